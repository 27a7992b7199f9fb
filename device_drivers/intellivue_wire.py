"""Philips IntelliVue Data Export over the MIB/RS232 port: the bytes on the wire, both directions.

Shared by the codec (host side) and the simulator (monitor side), so both speak exactly one encoding.

Frame: `C0` · header `11 01` + 16-bit length of the user data · user data · FCS (2 bytes, low byte first)
· `C1`. Between `C0` and `C1` every `C0`, `C1` and `7D` byte -- header, data *and FCS* -- is sent as
`7D, b ^ 0x20`. FCS is CRC-16/X-25 (the PPP FCS of RFC 1662: reflected polynomial 0x8408, init 0xFFFF,
final one's complement) over header and user data before escaping. `7D C1` aborts a frame.

User data are session PDUs: association (`0D` request, `0E` accept, `0C` refuse, `19` abort, `09`
release request, `0A` release response) and data (`E1 00` session id + presentation context, then
ROSE-style operations: ROIV invoke, RORS result, RORLS linked result, ROER error). All integers are
big-endian. Structures are named as in the Data Export Interface Programming Guide.
"""
from __future__ import annotations

import binascii
import math
import struct
from dataclasses import dataclass

BOF, EOF, ESC, ESC_XOR = 0xC0, 0xC1, 0x7D, 0x20
PROTOCOL_ID, MSG_TYPE = 0x11, 0x01

# session PDU identifiers (first byte of the user data)
CN_SPDU, AC_SPDU, RF_SPDU, AB_SPDU, FN_SPDU, DN_SPDU, DATA_SPDU = 0x0D, 0x0E, 0x0C, 0x19, 0x09, 0x0A, 0xE1
# remote operation types
ROIV, RORS, ROER, RORLS = 1, 2, 3, 5
CMD_CONFIRMED_EVENT_REPORT, CMD_CONFIRMED_ACTION = 1, 7
# object classes, actions, events, attributes
NOM_MOC_VMO_METRIC_NU, NOM_MOC_VMO_METRIC_SA_RT, NOM_MOC_VMS_MDS, NOM_MOC_VMO_AL_MON = 6, 9, 33, 54
NOM_PART_OBJ = 1
NOM_ACT_POLL_MDIB_DATA, NOM_ACT_POLL_MDIB_DATA_EXT = 0x0C16, 0xF13B
NOM_NOTI_MDS_CREAT = 0x0D06
NOM_ATTR_NU_VAL_OBS, NOM_ATTR_NU_CMPD_VAL_OBS = 0x0950, 0x094B
NOM_ATTR_SA_VAL_OBS, NOM_ATTR_SA_SPECN, NOM_ATTR_SCALE_SPECN_I16 = 0x096E, 0x096D, 0x096F
NOM_ATTR_TIME_PD_SAMP, NOM_ATTR_TIME_PD_POLL = 0x098D, 0xF13E
NOM_ATTR_AL_MON_P_AL_LIST, NOM_ATTR_AL_MON_T_AL_LIST = 0x0902, 0x0904
NOM_ATTR_GRP_AL_MON, NOM_ATTR_GRP_SYS_PROD = 0x0801, 0x080C
NOM_ATTR_SYS_ID = 0x0984
STR_ALMON_INFO = 0x0204
# FLOAT-Type special values: no value
FLOAT_NAN, FLOAT_NRES, FLOAT_POS_INF, FLOAT_NEG_INF = 0x007FFFFF, 0x00800000, 0x007FFFFE, 0x00800002
FLOAT_SPECIAL = {FLOAT_NAN: "NaN", FLOAT_NRES: "not at this resolution", FLOAT_POS_INF: "+INF",
                 FLOAT_NEG_INF: "-INF"}
#: RelativeTime counts 1/8 ms
RELATIVE_TIME_PER_S = 8000


# ---- FCS and framing ----------------------------------------------------------------------------------
_BIT_REVERSED = bytes(int(f"{b:08b}"[::-1], 2) for b in range(256))
_FRAME_HEAD = struct.Struct(">BBH")  # protocol id, message type, length of the user data


def fcs16(data: bytes) -> int:
    """CRC-16/X-25 (check value for b"123456789" is 0x906E).

    X-25 is the reflected form of CRC-CCITT (polynomial 0x1021, init 0xFFFF): reflecting every input byte
    and the result turns it into the non-reflected CRC that binascii computes in C (a table per byte),
    which keeps the FCS far below the line's byte rate in cost; a Python loop would cost ~60 us a frame.
    The result is reflected with the same byte table, one lookup per byte."""
    crc = binascii.crc_hqx(data.translate(_BIT_REVERSED), 0xFFFF)
    return (_BIT_REVERSED[crc >> 8] | _BIT_REVERSED[crc & 0xFF] << 8) ^ 0xFFFF


#: X-25 register after a frame's content *and its own FCS*, as binascii computes it over bit-reversed
#: bytes: 0x1D0F is RFC 1662's "good FCS" 0xF0B8 bit-reversed. A frame whose FCS is right, and only such a
#: frame, leaves this value: the FCS is checked without slicing it off and reflecting the result.
_GOOD_RESIDUE = 0x1D0F


def fcs_ok(body: bytes) -> bool:
    """Frame content followed by its 2-byte FCS (low byte first): is the FCS the CRC-16/X-25 of the rest?"""
    return binascii.crc_hqx(body.translate(_BIT_REVERSED), 0xFFFF) == _GOOD_RESIDUE


def _escape(data: bytes) -> bytes:
    out = bytearray()
    for b in data:
        if b in (BOF, EOF, ESC):
            out += bytes((ESC, b ^ ESC_XOR))
        else:
            out.append(b)
    return bytes(out)


def frame(user_data: bytes) -> bytes:
    """Wrap user data in a MIB/RS232 frame (header, FCS, escaping of everything inside)."""
    header = bytes((PROTOCOL_ID, MSG_TYPE)) + struct.pack(">H", len(user_data))
    fcs = fcs16(header + user_data)
    return bytes((BOF,)) + _escape(header + user_data + bytes((fcs & 0xFF, fcs >> 8))) + bytes((EOF,))


def _unescape(body: bytes) -> bytes | None:
    """Undo the 7D escapes (any byte after 7D is XORed with 20, as RFC 1662 receivers do); None when a
    7D is followed by another 7D. Split/join runs in C, and most frames have no 7D at all."""
    parts = body.split(b"\x7d")
    pieces = [parts[0]]
    for part in parts[1:]:
        if not part:
            return None
        pieces.append(bytes((part[0] ^ ESC_XOR,)) + part[1:])
    return b"".join(pieces)


class Deframer:
    """Byte stream -> user data of valid frames. Counts bad frames and stray bytes in `stats`.

    Works on whole frames with bytes.find/split rather than byte by byte, and keeps only the unfinished
    tail between reads (as immutable bytes, so a frame is one slice and needs no second copy): decoding
    must stay far faster than the 115200 baud line even with waves streaming. Every frame is checked
    (escapes, header, length, FCS) before its user data is handed on.

    `damaged` counts frames whose header and length are right but whose FCS is not: frames the peer sent
    and the line damaged (random noise makes a Data Export header with a matching length about once in
    2**32 tries). Their content is never used, but they show that the peer is talking.
    """

    MAX_FRAME = 16384

    def __init__(self, stats) -> None:
        self.stats = stats
        self._tail = b""
        self.damaged = 0

    def reset(self) -> None:
        self._tail = b""

    def feed(self, data: bytes) -> list[bytes]:
        buf = self._tail + data if self._tail else bytes(data)
        stats = self.stats
        out: list[bytes] = []
        pos = 0
        n = len(buf)
        while pos < n:
            bof = buf.find(BOF, pos)
            if bof < 0:
                stats.garbage_bytes += n - pos
                pos = n
                break
            if bof > pos:
                stats.garbage_bytes += bof - pos
            eof = buf.find(EOF, bof + 1)
            if eof < 0:
                if n - bof > self.MAX_FRAME:
                    stats.bad_frame("frame longer than any IntelliVue message: end byte lost")
                    pos = n
                else:
                    pos = bof
                break
            nested = buf.rfind(BOF, bof + 1, eof)
            if nested >= 0:
                stats.bad_frame("frame cut short by a new frame start (C0)")
                bof = nested
            body = buf[bof + 1:eof]
            pos = eof + 1
            if ESC in body:
                if body[-1] == ESC:
                    stats.bad_frame("frame aborted by the sender (7D C1)")
                    continue
                body = _unescape(body)
                if body is None:
                    stats.bad_frame("escape byte 7D not followed by an escaped byte")
                    continue
            user = self._check(body)
            if user is not None:
                out.append(user)
        self._tail = buf[pos:] if pos < n else b""
        return out

    def _check(self, body: bytes) -> bytes | None:
        if len(body) < 6:
            self.stats.bad_frame(f"frame of {len(body)} bytes is too short")
            return None
        protocol, msg_type, length = _FRAME_HEAD.unpack_from(body)
        if protocol != PROTOCOL_ID or msg_type != MSG_TYPE:
            self.stats.bad_frame(f"frame header {body[:2].hex(' ')} is not Data Export (11 01)")
            return None
        if length != len(body) - 6:
            self.stats.bad_frame("frame length field does not match its content")
            return None
        if not fcs_ok(body):
            self.damaged += 1
            self.stats.frames_damaged += 1
            self.stats.bad_frame("frame check sequence (CRC-16/X-25) wrong")
            return None
        self.stats.frames_ok += 1
        return body[4:-2]


# ---- FLOAT-Type ---------------------------------------------------------------------------------------
def float_type(raw: int) -> float | None:
    """Decode a 32-bit FLOAT-Type (signed 8-bit exponent, signed 24-bit mantissa, base 10).
    The special values (NaN, +/-INF, not-at-this-resolution) decode to None: no value."""
    if raw in FLOAT_SPECIAL:
        return None
    exponent = raw >> 24
    if exponent >= 128:
        exponent -= 256
    mantissa = raw & 0xFFFFFF
    if mantissa >= 0x800000:
        mantissa -= 0x1000000
    return mantissa * 10.0 ** exponent


def encode_float_type(value: float | None, decimals: int = 1) -> int:
    if value is None or math.isnan(value):
        return FLOAT_NAN
    mantissa = round(value * 10 ** decimals)
    return ((-decimals) & 0xFF) << 24 | (mantissa & 0xFFFFFF)


# ---- association ---------------------------------------------------------------------------------------
# Session and presentation header of the association request, as the programming guide prints it
# (protocol constants: session requirements, presentation context for the MDSE ASE, ACSE AARQ).
_AARQ_SESSION = bytes.fromhex("05 08 13 01 00 16 01 02 80 00 14 02 00 02")
_AARQ_PRESENTATION = bytes.fromhex(
    "31 80 A0 80 80 01 01 00 00 A2 80 A0 03 00 00 01 A4 80 30 80 02 01 01 06 04 52 01 00 01 30 80 06 02 51 01 "
    "00 00 00 00 30 80 02 01 02 06 0C 2A 86 48 CE 14 02 01 00 00 00 01 01 30 80 06 0C 2A 86 48 CE 14 02 01 00 "
    "00 00 02 01 00 00 00 00 00 00 61 80 30 80 02 01 01 A0 80 60 80 A1 80 06 0C 2A 86 48 CE 14 02 01 00 00 00 "
    "03 01 00 00 BE 80 28 80 06 0C 2A 86 48 CE 14 02 01 00 00 00 01 01 02 01 02 81")
_AARQ_TRAILER = bytes(16)  # end-of-contents octets closing the indefinite-length presentation items

# MDSEUserInfoStd
PROTOCOL_VERSION = 0x80000000     # MDDL_VERSION1
NOMENCLATURE_VERSION = 0x40000000  # NOMEN_VERSION
SYST_CLIENT = 0x80000000
COLD_START = 0x20000000
POLL_PROFILE_REV_0 = 0x80000000
P_OPT_DYN_CREATE_OBJECTS, P_OPT_DYN_DELETE_OBJECTS = 0x40000000, 0x20000000
NOM_POLL_PROFILE_SUPPORT, NOM_ATTR_POLL_PROFILE_EXT = 0x0001, 0xF001
POLL_EXT_PERIOD_NU_1SEC, POLL_EXT_PERIOD_RTSA, POLL_EXT_ENUM = 0x80000000, 0x08000000, 0x04000000


def _length_indicator(n: int) -> bytes:
    return bytes((n,)) if n < 255 else bytes((0xFF,)) + struct.pack(">H", n)


def user_info(min_poll_period_s: float = 0.3125, max_mtu_rx: int = 2500, max_mtu_tx: int = 1000) -> bytes:
    ext = struct.pack(">HH", NOM_ATTR_POLL_PROFILE_EXT, 8) + struct.pack(
        ">I", POLL_EXT_PERIOD_NU_1SEC | POLL_EXT_PERIOD_RTSA | POLL_EXT_ENUM) + struct.pack(">HH", 0, 0)
    profile = struct.pack(">IIIIII", POLL_PROFILE_REV_0, round(min_poll_period_s * RELATIVE_TIME_PER_S),
                          max_mtu_rx, max_mtu_tx, 0xFFFFFFFF, P_OPT_DYN_CREATE_OBJECTS | P_OPT_DYN_DELETE_OBJECTS)
    profile += struct.pack(">HH", 1, len(ext)) + ext
    aprofile = struct.pack(">HH", NOM_POLL_PROFILE_SUPPORT, len(profile)) + profile
    return (struct.pack(">IIIII", PROTOCOL_VERSION, NOMENCLATURE_VERSION, 0, SYST_CLIENT, COLD_START)
            + struct.pack(">HH", 0, 0) + struct.pack(">HH", 1, len(aprofile)) + aprofile)


def association_request(**profile) -> bytes:
    info = user_info(**profile)
    presentation = _AARQ_PRESENTATION + _length_indicator(len(info)) + info + _AARQ_TRAILER
    body = _AARQ_SESSION + bytes((0xC1,)) + _length_indicator(len(presentation)) + presentation
    return bytes((CN_SPDU,)) + _length_indicator(len(body)) + body


RELEASE_REQUEST = bytes.fromhex("09 18 C1 16 61 80 30 80 02 01 01 A0 80 62 80 80 01 00 00 00 00 00 00 00 00 00")
RELEASE_RESPONSE = bytes.fromhex("0A 18 C1 16 61 80 30 80 02 01 01 A0 80 63 80 80 01 00 00 00 00 00 00 00 00 00")


# ---- data messages -------------------------------------------------------------------------------------
SPPDU = bytes.fromhex("E1 00 00 02")  # session id 0xE100, presentation context id 2
MDS_OBJECT = struct.pack(">HHH", NOM_MOC_VMS_MDS, 0, 0)


def roiv(invoke_id: int, command: int, argument: bytes) -> bytes:
    apdu = struct.pack(">HHH", invoke_id, command, len(argument)) + argument
    return SPPDU + struct.pack(">HH", ROIV, len(apdu)) + apdu


def rors(invoke_id: int, command: int, result: bytes) -> bytes:
    apdu = struct.pack(">HHH", invoke_id, command, len(result)) + result
    return SPPDU + struct.pack(">HH", RORS, len(apdu)) + apdu


def rorls(state: int, count: int, invoke_id: int, command: int, result: bytes) -> bytes:
    apdu = struct.pack(">BBHHH", state, count, invoke_id, command, len(result)) + result
    return SPPDU + struct.pack(">HH", RORLS, len(apdu)) + apdu


def attribute_list(avas: list[tuple[int, bytes]]) -> bytes:
    body = b"".join(struct.pack(">HH", aid, len(v)) + v for aid, v in avas)
    return struct.pack(">HH", len(avas), len(body)) + body


def ext_poll_request(invoke_id: int, poll_number: int, obj_code: int, attr_group: int = 0,
                     period_s: float | None = None) -> bytes:
    """ROIV confirmed action NOM_ACT_POLL_MDIB_DATA_EXT on the MDS, for one object type."""
    avas = [] if period_s is None else [(NOM_ATTR_TIME_PD_POLL, struct.pack(">I", round(period_s * RELATIVE_TIME_PER_S)))]
    req = struct.pack(">HHHH", poll_number, NOM_PART_OBJ, obj_code, attr_group) + attribute_list(avas)
    arg = MDS_OBJECT + struct.pack(">IHH", 0, NOM_ACT_POLL_MDIB_DATA_EXT, len(req)) + req
    return roiv(invoke_id, CMD_CONFIRMED_ACTION, arg)


def single_poll_request(invoke_id: int, poll_number: int, obj_code: int, attr_group: int) -> bytes:
    """ROIV confirmed action NOM_ACT_POLL_MDIB_DATA (used as keep-alive on the MDS object)."""
    req = struct.pack(">HHHH", poll_number, NOM_PART_OBJ, obj_code, attr_group)
    arg = MDS_OBJECT + struct.pack(">IHH", 0, NOM_ACT_POLL_MDIB_DATA, len(req)) + req
    return roiv(invoke_id, CMD_CONFIRMED_ACTION, arg)


def mds_create_result(invoke_id: int, managed_object: bytes, event_time: int) -> bytes:
    """The host's RORS to the monitor's MDS create event (EventReportResult with an empty reply)."""
    return rors(invoke_id, CMD_CONFIRMED_EVENT_REPORT,
                managed_object + struct.pack(">IHH", event_time, NOM_NOTI_MDS_CREAT, 0))


# ---- parsing -------------------------------------------------------------------------------------------
class Malformed(ValueError):
    """A message whose inner lengths do not add up: counted as a bad frame, never half-decoded."""


_U16, _U32, _AVA_HEAD = struct.Struct(">H"), struct.Struct(">I"), struct.Struct(">HH")
_HEAD3 = struct.Struct(">HHH")
_DATA_HEAD = struct.Struct(">HHHH")           # session id, presentation context, ro type, length
_ACTION_HEAD = struct.Struct(">HHHHH")        # managed object (class, context, handle), action, length
_EXT_REPLY_HEAD = struct.Struct(">HHI8xHHH")   # poll number, sequence, rel. time, abs. time, obj type, group
_REPLY_HEAD = struct.Struct(">HI8xHHH")       # the same without the sequence number (single poll)
NU_OBS = struct.Struct(">HHHI")               # NuObsValue: physio id, state, unit code, FLOAT-Type


class Reader:
    __slots__ = ("data", "pos", "end")

    def __init__(self, data: bytes, start: int = 0, end: int | None = None) -> None:
        self.data, self.pos, self.end = data, start, len(data) if end is None else end

    def take(self, n: int) -> bytes:
        if n < 0 or self.pos + n > self.end:
            raise Malformed(f"needs {n} bytes at offset {self.pos}, message ends at {self.end}")
        chunk = self.data[self.pos:self.pos + n]
        self.pos += n
        return chunk

    def u8(self) -> int:
        return self.take(1)[0]

    def u16(self) -> int:
        pos = self.pos
        if pos + 2 > self.end:
            raise Malformed(f"needs 2 bytes at offset {pos}, message ends at {self.end}")
        self.pos = pos + 2
        return _U16.unpack_from(self.data, pos)[0]

    def u32(self) -> int:
        pos = self.pos
        if pos + 4 > self.end:
            raise Malformed(f"needs 4 bytes at offset {pos}, message ends at {self.end}")
        self.pos = pos + 4
        return _U32.unpack_from(self.data, pos)[0]

    def unpack(self, layout: struct.Struct) -> tuple:
        """Several fields at once (one bounds check, one C call)."""
        pos = self.pos
        if pos + layout.size > self.end:
            raise Malformed(f"needs {layout.size} bytes at offset {pos}, message ends at {self.end}")
        self.pos = pos + layout.size
        return layout.unpack_from(self.data, pos)

    def sub(self, n: int) -> "Reader":
        start = self.pos
        if n < 0 or start + n > self.end:
            raise Malformed(f"needs {n} bytes at offset {start}, message ends at {self.end}")
        self.pos = start + n
        return Reader(self.data, start, start + n)

    def left(self) -> int:
        return self.end - self.pos


@dataclass(slots=True)
class Operation:
    """A parsed data message: which remote operation, and a reader over its argument/result."""
    ro_type: int
    invoke_id: int
    command: int
    body: Reader
    linked_state: int = 0
    error: int = 0


def parse_data(user: bytes) -> Operation:
    """SPpdu, ROapdus and the operation's head, read by offset with each length checked against what
    contains it; the operation's argument/result is handed on as a Reader."""
    end = len(user)
    if end < 8:
        raise Malformed(f"data message of {end} bytes is shorter than its header")
    session, _context, ro_type, length = _DATA_HEAD.unpack_from(user)
    if session != 0xE100:
        raise Malformed("data message without the E1 00 session header")
    pos, end = 8, 8 + length
    if end > len(user):
        raise Malformed(f"operation of {length} bytes longer than its message")
    linked = 0
    if ro_type == RORLS:  # linked result: state and count before the invoke id
        if pos + 2 > end:
            raise Malformed("linked result without its state and count")
        linked = user[pos]
        pos += 2
    if pos + 6 > end:
        raise Malformed("operation shorter than its head")
    invoke_id, command_or_error, length = _HEAD3.unpack_from(user, pos)
    pos += 6
    if pos + length > end:
        raise Malformed(f"operation body of {length} bytes longer than the operation")
    body = Reader(user, pos, pos + length)
    if ro_type == ROER:
        return Operation(ro_type, invoke_id, 0, body, error=command_or_error)
    return Operation(ro_type, invoke_id, command_or_error, body, linked)


#: An attribute (AVAType): (attribute id, its value bytes). A plain tuple of an immutable slice:
#: thousands a second. Read values with Struct.unpack_from, which refuses a value shorter than its
#: layout (struct.error, counted as a broken message like Malformed).
Ava = tuple
#: An ObservationPoll: (object handle, [Ava, ...]).
ObservationPoll = tuple


def _attributes(data: bytes, pos: int, count: int, stop: int) -> list[Ava]:
    """The `count` attributes of an AttributeList whose contents are data[pos:stop], every length checked
    against the list (by `attribute_spans`) before anything is sliced."""
    return [(aid, data[start:end]) for aid, start, end in attribute_spans(data, pos, count, stop)]


def parse_attribute_list(r: Reader) -> list[Ava]:
    """An AttributeList at the reader's position; the reader moves past it."""
    count, length = r.unpack(_AVA_HEAD)
    start = r.pos
    r.sub(length)
    return _attributes(r.data, start, count, start + length)


def attribute_spans(data: bytes, pos: int, count: int, stop: int) -> list[tuple[int, int, int]]:
    """Each of the `count` attributes of an AttributeList whose contents are data[pos:stop], as (id, start,
    stop) of its value in `data`. Every length is checked against the list, so a value never reaches past
    it; `_attributes` slices the values out of these spans."""
    spans: list[tuple[int, int, int]] = []
    append, unpack = spans.append, _AVA_HEAD.unpack_from
    for _ in range(count):
        start = pos + 4
        if start > stop:
            raise Malformed(f"attribute list ends inside an attribute at offset {pos}")
        aid, alen = unpack(data, pos)
        pos = start + alen
        if pos > stop:
            raise Malformed(f"attribute {aid:#06x} longer than its list")
        append((aid, start, pos))
    return spans


def parse_poll_head(body: Reader) -> tuple[int, int, int, int, int, int] | None:
    """The head of an ActionResult carrying PollMdibDataReply(Ext): (action, poll number, object type,
    attribute group, start and end of its poll info list in body.data). None for other actions.

    Each length is checked against what contains it; the poll info list's own length is checked against
    the reply, so the list lies inside the message."""
    _class, _context, _handle, action, length = body.unpack(_ACTION_HEAD)
    data, pos, end = body.data, body.pos, body.pos + length
    if end > body.end:
        raise Malformed(f"action result of {length} bytes longer than its operation")
    if action == NOM_ACT_POLL_MDIB_DATA_EXT:
        head = _EXT_REPLY_HEAD
    elif action == NOM_ACT_POLL_MDIB_DATA:
        head = _REPLY_HEAD
    else:
        return None
    if pos + head.size + 4 > end:
        raise Malformed("poll reply shorter than its header")
    fields = head.unpack_from(data, pos)
    pos += head.size
    _contexts, length = _AVA_HEAD.unpack_from(data, pos)
    if pos + 4 + length > end:
        raise Malformed(f"poll info list of {length} bytes longer than the reply")
    return action, fields[0], fields[-2], fields[-1], pos, pos + 4 + length


def parse_poll_info(data: bytes, pos: int, end: int, attributes=_attributes) -> list[ObservationPoll]:
    """The observations of the poll info list data[pos:end] (as `parse_poll_head` found it): a list of
    (object handle, attributes), each attribute read by `attributes` (`_attributes`: (id, value);
    `attribute_spans`: (id, start, stop))."""
    contexts = _U16.unpack_from(data, pos)[0]
    pos += 4
    objects: list[ObservationPoll] = []
    for _ in range(contexts):
        if pos + 6 > end:
            raise Malformed(f"poll context header needs 6 bytes at offset {pos}, the reply ends at {end}")
        _context_id, count, length = _HEAD3.unpack_from(data, pos)
        pos += 6
        stop = pos + length
        if stop > end:
            raise Malformed(f"poll context of {length} bytes longer than the reply")
        for _ in range(count):
            if pos + 6 > stop:
                raise Malformed(f"observation header needs 6 bytes at offset {pos}, its context ends at {stop}")
            handle, n, length = _HEAD3.unpack_from(data, pos)  # handle, then its AttributeList's count, length
            pos += 6
            if pos + length > stop:
                raise Malformed(f"attribute list of {length} bytes longer than its poll context")
            objects.append((handle, attributes(data, pos, n, pos + length)))
            pos += length
        pos = stop
    return objects


def poll_result_body(action: int, poll_number: int, obj_code: int, attr_group: int, rel_time: int,
                     objects: list[tuple[int, list[tuple[int, bytes]]]], sequence: int = 0) -> bytes:
    """The monitor side: ActionResult + PollMdibDataReplyExt for the given (handle, avas) objects."""
    polls = b"".join(struct.pack(">H", h) + attribute_list(avas) for h, avas in objects)
    context = struct.pack(">HHH", 0, len(objects), len(polls)) + polls
    info = struct.pack(">HH", 1 if objects else 0, len(context) if objects else 0) + (context if objects else b"")
    reply = struct.pack(">H", poll_number)
    if action == NOM_ACT_POLL_MDIB_DATA_EXT:
        reply += struct.pack(">H", sequence)
    reply += struct.pack(">I", rel_time) + bytes(8) + struct.pack(">HHH", NOM_PART_OBJ, obj_code, attr_group) + info
    return MDS_OBJECT + struct.pack(">HH", action, len(reply)) + reply
