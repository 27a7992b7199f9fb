"""What the screen knows about each metric (label, unit, decimals, freshness, plot range), from resources."""
from __future__ import annotations

from dataclasses import dataclass

import resources


@dataclass(frozen=True)
class MetricInfo:
    name: str
    label: str
    unit: str
    decimals: int
    fresh_s: float
    expire_s: float
    plot: tuple[float, float]
    colour: str

    def format(self, value: float) -> str:
        return f"{value:.{self.decimals}f}"


@dataclass(frozen=True)
class TileSpec:
    """One tile: a single metric, or a group shown together (NIBP sys/dia (mean))."""

    name: str
    label: str
    unit: str
    metrics: tuple[str, ...]
    always_shown: bool


@dataclass(frozen=True)
class Catalog:
    metrics: dict[str, MetricInfo]
    tiles: tuple[TileSpec, ...]
    trend_minutes: float


def load_catalog() -> Catalog:
    doc = resources.load("metrics.toml")
    metrics: dict[str, MetricInfo] = {}
    for name, m in doc.sections("metrics"):
        plot = m.items("plot")
        if len(plot) != 2 or not all(isinstance(x, (int, float)) for x in plot) or plot[0] >= plot[1]:
            raise resources.ResourceError(doc.file, f"metrics.{name}.plot", "must be [low, high] with low < high")
        fresh = m.number("fresh_s", min=1)
        metrics[name] = MetricInfo(name, m.text("label"), m.text("unit"), int(m.number("decimals", min=0, max=3)),
                                   fresh, m.number("expire_s", min=fresh), (float(plot[0]), float(plot[1])),
                                   m.text("colour"))
    groups = dict(doc.sections("groups")) if "groups" in doc else {}
    shown = set(doc.items("always_shown"))
    tiles = []
    for i, name in enumerate(doc.items("tiles")):
        if name in groups:
            g = groups[name]
            members = tuple(g.items("metrics"))
            for m in members:
                if m not in metrics:
                    raise resources.ResourceError(doc.file, f"groups.{name}.metrics", f"names unknown metric {m!r}")
            tiles.append(TileSpec(name, g.text("label"), g.text("unit"), members, name in shown))
        elif name in metrics:
            tiles.append(TileSpec(name, metrics[name].label, metrics[name].unit, (name,), name in shown))
        else:
            raise resources.ResourceError(doc.file, f"tiles[{i}]", f"{name!r} is neither a metric nor a group")
    return Catalog(metrics, tuple(tiles), doc.number("trend_minutes", min=1, max=240))


@dataclass(frozen=True)
class WaveInfo:
    name: str
    label: str
    unit: str


def load_wave_info() -> dict[str, WaveInfo]:
    """resources/metrics.toml [waves.NAME]: label and unit of each stored wave."""
    doc = resources.load("metrics.toml")
    return {name: WaveInfo(name, w.text("label"), w.text("unit"))
            for name, w in (doc.sections("waves") if "waves" in doc else [])}


def wave_info(name: str, known: dict[str, WaveInfo] | None = None) -> WaveInfo:
    """A wave's label and unit; a wave the file does not name is shown by its name, without a unit."""
    known = known if known is not None else load_wave_info()
    return known.get(name.lower(), WaveInfo(name, name, ""))
