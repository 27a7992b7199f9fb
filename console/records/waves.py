"""Waveforms (pleth, ECG, …) on disk in compressed blocks, written off the GUI thread.

Why blocks: a row per sample would be ~200 million rows and ~100 MB+ per 4-hour session; a block of a few
seconds (resources/records.toml [waves] block_s) quantised to int16, stored as the samples or their first
or second differences, whichever packs smallest (low bytes, then high bytes), zlib-compressed, is a few MB. Why this quantisation: each block finds the lattice the driver's values sit on
(`offset + scale * q`, e.g. the Nonin's raw 16-bit counts or IntelliVue's raw sample × ScaleRangeSpec16)
and stores it exactly; values that sit on no lattice of ≤ 65536 steps are spread over the int16 range, an
error of at most (max - min) / 131070 of that block.

Why the recorder re-writes the open block: blocks are longer than the crash budget (design.md: ≤ 1 s of
data at risk), so every `flush_s` the not yet full block is written (first INSERT, then UPDATE of the same
row) and a crash loses at most what arrived since the last flush.

Times: drivers stamp a `Waveform` with its arrival, i.e. just after its last sample, so its first sample
is taken at `t - n / rate`. A stream is continuous at its nominal rate while packets arrive within `gap_s`
of where it expects them (arrival jitter never makes stored samples overlap or jump); a packet further
off starts a new block at its own time (a gap, a reconnect, a device clock off its nominal rate), so stored
times never drift more than `gap_s` from the arrival times. At such a re-anchor the new block may start up
to `gap_s` before the previous one ends; both keep every sample (nothing is trimmed to hide it).
"""
from __future__ import annotations

import sqlite3
import zlib
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Callable

from console.records.background_writer import BackgroundWriter
from console.records.database import Database, transaction
from console.records.vitals import source_id

if TYPE_CHECKING:  # numpy is imported where it is used: not before the console's first frame
    import numpy as np

#: the block format written now; `codec` is stored with every block, so older formats stay readable
CODEC = "i16-pred-shuffle-zlib"
CODEC_V1 = "i16-delta-shuffle-zlib"
_Q_MIN = -32768


def _lattice_step(v: np.ndarray, lo: float, hi: float) -> float:
    """The step of the lattice `lo + step * k` (k ≤ 65535) all of `v` sits on, or 0.0 if none is found.

    The smallest difference between distinct values is the step, or a small multiple of it when a block
    happens not to hold two neighbouring levels (a flat stretch of pleth): try its fractions 1/1 … 1/16."""
    import numpy as np
    unique = np.unique(v)
    smallest = float(np.diff(unique).min())
    tol = 1e-9 * max(1.0, abs(lo), abs(hi))
    for m in range(1, 17):
        step = smallest / m
        if (hi - lo) / step > 65535.5:
            break
        k = np.rint((unique - lo) / step)
        if np.all(np.abs(lo + k * step - unique) <= tol):
            return step
    return 0.0


def _shuffle(r: np.ndarray) -> bytes:
    # low bytes, then high bytes: the high bytes of small residuals are nearly all 0x00/0xFF and zlib, which
    # matches bytes, packs them far better apart (measured 6-25 % smaller for ECG than interleaved)
    import numpy as np
    return r.astype("<i2").view(np.uint8).reshape(-1, 2).T.tobytes()


def _unshuffle(raw: bytes) -> np.ndarray:
    import numpy as np
    planes = np.frombuffer(raw, dtype=np.uint8).reshape(2, -1)
    return np.ascontiguousarray(planes.T).view("<i2").ravel()


def _quantise(values: np.ndarray) -> tuple[float, float, np.ndarray]:
    import numpy as np
    v = np.asarray(values, dtype=np.float64)
    lo, hi = float(v.min()), float(v.max())
    if hi > lo:
        step = _lattice_step(v, lo, hi)
        scale = step if step else (hi - lo) / 65535.0
        q = np.rint((v - lo) / scale)
    else:
        q = np.zeros(len(v))
        scale = 1.0
    return scale, lo - _Q_MIN * scale, (q + _Q_MIN).astype(np.int16)


#: residual orders tried per block: 0 the quantised samples, 1 first differences, 2 second differences
PREDICTORS = (0, 1, 2)


def encode_block(values: np.ndarray, level: int = 6) -> tuple[float, float, bytes]:
    """(scale, offset, data) with `values ≈ offset + scale * int16`, exact when the values sit on a lattice.

    `data` (codec CODEC) is one byte naming the predictor, then the zlib-compressed residuals. Each block
    keeps whichever predictor compresses it smallest: differences win on smooth waves (the simulator's:
    second differences, ~5 % smaller than first), the samples themselves on noisy ones (differencing
    doubles the noise's variance: 4 counts of noise on 12-bit ECG measured 28 % smaller undifferenced).
    Trying all three costs ~1 s of CPU per hour of ECG + pleth (docs/benchmarks.md)."""
    import numpy as np
    scale, offset, q16 = _quantise(values)
    best = b""
    residual = q16
    for order in range(max(PREDICTORS) + 1):
        if order:
            residual = np.diff(residual, prepend=np.int16(0)).astype(np.int16)  # wraps; cumsum undoes it
        if order in PREDICTORS:
            data = bytes((order,)) + zlib.compress(_shuffle(residual), level)
            if not best or len(data) < len(best):
                best = data
    return scale, offset, best


def decode_block(scale: float, offset: float, data: bytes, codec: str = CODEC) -> np.ndarray:
    import numpy as np
    if codec == CODEC:
        order, residual = data[0], _unshuffle(zlib.decompress(data[1:]))
        if order > max(PREDICTORS):
            raise ValueError(f"wave block with unknown predictor {order}")
    elif codec == CODEC_V1:  # the first format (schema 6 as released): first differences, no predictor byte
        order, residual = 1, _unshuffle(zlib.decompress(data))
    else:
        raise ValueError(f"wave block stored with unknown codec {codec!r}")
    q = residual
    for _ in range(order):
        q = np.cumsum(q, dtype=np.int16)
    return offset + scale * q.astype(np.float64)


@dataclass
class _Block:
    source: str
    wave: str
    t0: float
    rate_hz: float
    samples: list = field(default_factory=list)
    row_id: int | None = None
    dirty: bool = True

    def expected_t(self) -> float:
        return self.t0 + len(self.samples) / self.rate_hz


#: Closed blocks held in memory while the disk refuses writes (~1 h of 3 waves in 2-s blocks).
MAX_PENDING_BLOCKS = 6000


class WaveRecorder(BackgroundWriter):
    """Thread-owned, batched writer of `Waveform` events into `wave_blocks`. `submit` never blocks."""

    thread_name = "wave-recorder"

    def __init__(self, database: Database, *, block_s: float | None = None, level: int | None = None,
                 flush_s: float | None = None, gap_s: float | None = None,
                 on_error: Callable[[str], None] | None = None) -> None:
        from console.records.records_config import records_config
        cfg = records_config()
        self.block_s = block_s if block_s is not None else cfg.wave_block_s
        self.level = level if level is not None else cfg.wave_zlib_level
        self.flush_s = flush_s if flush_s is not None else cfg.wave_flush_s
        self.gap_s = gap_s if gap_s is not None else cfg.wave_gap_s
        super().__init__(database, interval=self.flush_s, on_error=on_error)
        self._open: dict[tuple[str, str], _Block] = {}
        self._closed: list[_Block] = []
        self._ends: dict[tuple[str, str], tuple[float, float]] = {}  # where each stream's samples end
        self._source_ids: dict[str, int] = {}
        self.blocks_written = 0

    # -- on the recorder thread ------------------------------------------------------------------------
    def add(self, event) -> None:
        """Append one event's samples to its stream's open block (closing full blocks)."""
        samples = event.samples
        rate = float(event.rate_hz)
        if not samples or not rate > 0:
            return
        key = (event.device, event.wave)
        block = self._open.get(key)
        t = float(event.t) - len(samples) / rate  # drivers stamp arrival: the packet's last sample
        last_end = self._ends.get(key)
        if block is not None and (block.rate_hz != rate or abs(t - block.expected_t()) > self.gap_s):
            self._close(key)  # a gap, or a device clock off its nominal rate: re-anchor at the arrival
            block = None
        elif block is None and last_end is not None and last_end[1] == rate and abs(t - last_end[0]) <= self.gap_s:
            t = last_end[0]  # continues the block just closed: no overlap, no gap from arrival jitter
        per_block = max(1, int(round(self.block_s * rate)))
        pos = 0
        while pos < len(samples):
            if block is None:
                start = t if pos == 0 else self._closed[-1].expected_t()  # contiguous inside a packet
                block = self._open[key] = _Block(event.device, event.wave, start, rate)
            take = min(per_block - len(block.samples), len(samples) - pos)
            block.samples.extend(samples[pos:pos + take])
            block.dirty = True
            pos += take
            if len(block.samples) >= per_block:
                self._close(key)
                block = None
        self._ends[key] = ((block.expected_t() if block is not None else self._closed[-1].expected_t()), rate)

    def _close(self, key) -> None:
        self._closed.append(self._open.pop(key))

    def _take(self, event) -> None:
        try:
            self.add(event)
        except (TypeError, ValueError, AttributeError) as exc:
            self._report(f"wave recording: unusable wave event skipped ({exc})")

    def _write_held(self, conn: sqlite3.Connection) -> bool:
        return self._write(conn)

    def _shed(self) -> None:
        if len(self._closed) > MAX_PENDING_BLOCKS:
            dropped = len(self._closed) - MAX_PENDING_BLOCKS
            self._closed = self._closed[dropped:]
            self._report(f"wave recording: {dropped} oldest wave blocks discarded after repeated "
                         f"write failures; check the disk")

    def _write(self, conn: sqlite3.Connection) -> bool:
        import numpy as np
        todo = self._closed + [b for b in self._open.values() if b.dirty and b.samples]
        if not todo:
            return True
        written: list[tuple[_Block, int]] = []
        try:
            with transaction(conn):
                for block in todo:
                    scale, offset, data = encode_block(np.asarray(block.samples, dtype=np.float64), self.level)
                    row = (len(block.samples), scale, offset, data)
                    if block.row_id is None:
                        cur = conn.execute(
                            "INSERT INTO wave_blocks(source_id, wave, t0, rate_hz, n, scale, offset, codec, data)"
                            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                            (self._source_id(conn, block.source), block.wave, block.t0, block.rate_hz, *row[:3],
                             CODEC, row[3]))
                        written.append((block, cur.lastrowid))
                    else:
                        conn.execute("UPDATE wave_blocks SET n = ?, scale = ?, offset = ?, data = ? WHERE id = ?",
                                     (*row, block.row_id))
                        written.append((block, block.row_id))
        except sqlite3.Error as exc:
            self._source_ids.clear()
            self._report(f"wave recording failed ({exc}); {len(todo)} blocks held for retry")
            return False
        for block, row_id in written:
            block.row_id = row_id
            block.dirty = False
        self.blocks_written += len(self._closed)
        self._closed = []
        return True

    def _source_id(self, conn: sqlite3.Connection, name: str) -> int:
        return source_id(conn, self._source_ids, name)


@dataclass(frozen=True)
class StoredWave:
    source: str
    wave: str
    rate_hz: float
    first_t: float
    last_t: float
    blocks: int
    samples: int


def stored_waves(database: Database, since: float | None = None, until: float | None = None) -> list[StoredWave]:
    """Which waves are stored in [since, until] (a session's window): what the exports name."""
    sql = ("SELECT s.name, b.wave, MAX(b.rate_hz), MIN(b.t0), MAX(b.t0 + b.n / b.rate_hz), COUNT(*), SUM(b.n) "
           "FROM wave_blocks b JOIN sources s ON s.id = b.source_id WHERE 1 = 1")
    params: list = []
    if since is not None:
        sql += " AND b.t0 + b.n / b.rate_hz >= ?"
        params.append(float(since))
    if until is not None:
        sql += " AND b.t0 <= ?"
        params.append(float(until))
    sql += " GROUP BY s.name, b.wave ORDER BY s.name, b.wave"
    with database.lock:
        if database.conn.execute("SELECT 1 FROM sqlite_master WHERE name = 'wave_blocks'").fetchone() is None:
            return []  # a file from before schema 6, opened read-only (verify, export) without migrating
        rows = database.conn.execute(sql, params).fetchall()
    return [StoredWave(*r) for r in rows]


#: Longest block the reader looks back for (a block starting before `since` may reach into the range).
_MAX_BLOCK_LOOKBACK_S = 120.0


def _blocks(database: Database, wave: str, since: float, until: float, source: str | None):
    """(source id, first sample time, rate, samples) of each stored block of `wave` reaching into
    [since, until], per source oldest first."""
    sql = ("SELECT b.source_id, b.t0, b.rate_hz, b.scale, b.offset, b.codec, b.data FROM wave_blocks b "
           "WHERE b.wave = ? AND b.t0 >= ? AND b.t0 <= ?")
    params: list = [wave, float(since) - _MAX_BLOCK_LOOKBACK_S, float(until)]
    if source is not None:
        sql += " AND b.source_id = (SELECT id FROM sources WHERE name = ?)"
        params.append(source)
    sql += " ORDER BY b.t0"
    with database.lock:
        rows = database.conn.execute(sql, params).fetchall()
    for source_id, t0, rate, scale, offset, codec, data in rows:
        yield source_id, t0, rate, decode_block(scale, offset, data, codec)


def read_wave(database: Database, wave: str, since: float, until: float,
              source: str | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Sample times and values of `wave` in [since, until], oldest first, as float64 arrays."""
    import numpy as np
    ts, vs = [], []
    for _source_id, t0, rate, v in _blocks(database, wave, since, until, source):
        t = t0 + np.arange(len(v)) / rate
        keep = (t >= since) & (t <= until)
        if keep.any():
            ts.append(t[keep])
            vs.append(v[keep])
    if not ts:
        return np.empty(0), np.empty(0)
    return np.concatenate(ts), np.concatenate(vs)


def read_wave_runs(database: Database, wave: str, since: float, until: float, source: str | None = None,
                   join_s: float | None = None) -> list[tuple[np.ndarray, np.ndarray]]:
    """`wave` in [since, until] as runs of continuous samples: (times, values) each, oldest first.

    Stored blocks that follow each other (the next starts at most `join_s` after the last one ends,
    resources/records.toml [waves] join_s) are one run, so a plot draws one continuous curve; a longer
    gap (a lost device, a pause in the stream) starts a new run and stays a gap. A block that starts
    before the run's end (the recorder re-anchored at a device's clock, records.toml gap_s) also starts a
    new run: drawn joined, the curve would run back in time. Blocks of different sources never join."""
    import numpy as np
    if join_s is None:
        from console.records.records_config import records_config
        join_s = records_config().wave_join_s
    runs: list[tuple[int, float, float, list, list]] = []  # source, rate, end, times, values
    open_run: dict[int, int] = {}
    for source_id, t0, rate, v in _blocks(database, wave, since, until, source):
        n = len(v)
        if not n:
            continue
        t = t0 + np.arange(n) / rate
        keep = (t >= since) & (t <= until)
        i = open_run.get(source_id)
        if i is not None:
            _sid, run_rate, end, _ts, _vs = runs[i]
            if run_rate != rate or t0 - end > join_s or t0 < end - 0.5 / rate:
                i = None
        if i is None:
            runs.append((source_id, rate, 0.0, [], []))
            i = open_run[source_id] = len(runs) - 1
        sid, run_rate, _end, ts, vs = runs[i]
        runs[i] = (sid, run_rate, t0 + n / rate, ts, vs)
        if keep.any():
            ts.append(t[keep])
            vs.append(v[keep])
    return [(np.concatenate(ts), np.concatenate(vs)) for _sid, _rate, _end, ts, vs in runs if ts]


def runs_for_plot(runs: list[tuple[np.ndarray, np.ndarray]]) -> tuple[np.ndarray, np.ndarray]:
    """Runs as one pair of arrays with a NaN between runs: a plot that skips non-finite points
    (pyqtgraph connect="finite") draws each run as one line and each gap as a gap."""
    import numpy as np
    if not runs:
        return np.empty(0), np.empty(0)
    ts, vs = [], []
    for n, (t, v) in enumerate(runs):
        if n:
            ts.append(np.array([(ts[-1][-1] + t[0]) / 2]))
            vs.append(np.array([np.nan]))
        ts.append(t)
        vs.append(v)
    return np.concatenate(ts), np.concatenate(vs)


#: how to get a session's stored waves out, named in the CSV and FHIR exports that do not carry them
HOW_TO_EXPORT = "bedside-console export --session {session} --format waves"


def write_waves_csv(database: Database, since: float, until: float | None, out) -> int:
    """Every stored sample in [since, until] as CSV rows (time, epoch_s, source, wave, rate_hz, value).

    On request only (`export --format waves`): 4 hours of three waves are ~11 million rows, too many for
    the session CSV a spreadsheet opens."""
    import csv
    from device_drivers.events import iso_time
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(("time", "epoch_s", "source", "wave", "rate_hz", "value"))
    end = until if until is not None else float("inf")
    n = 0
    for info in stored_waves(database, since, until):
        lo = max(since, info.first_t)
        while lo <= min(end, info.last_t):  # ten minutes at a time: memory stays small for any session
            hi = min(lo + 600.0, end)
            t, v = read_wave(database, info.wave, lo, hi, source=info.source)
            for tt, vv in zip(t.tolist(), v.tolist()):
                if tt >= hi and hi < end:
                    continue  # the next chunk starts there
                writer.writerow((iso_time(tt), repr(tt), info.source, info.wave, f"{info.rate_hz:g}", repr(vv)))
                n += 1
            lo = hi
            if hi >= end:
                break
    return n
