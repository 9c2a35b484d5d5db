"""The training report (report.md for people, report.json for machines) and shipping an artifact."""
from __future__ import annotations

import json
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Sequence

from ..artifacts import write_checksums


@dataclass
class Report:
    """What a trainer's `report` hook returns: its own metrics and the Markdown that shows them."""

    metrics: dict[str, Any] = field(default_factory=dict)  # merged into report.json and TrainResult.metrics
    markdown: str = ""                                      # report.md, between the summary and the loss history
    title: str = ""                                         # default "<trainer name> training report"


def markdown_table(metrics: dict[str, Any]) -> str:
    """Flat metrics as a two-column table; a {row: {column: value}} dict as a wide table."""
    if metrics and all(isinstance(v, dict) for v in metrics.values()):
        cols = list(dict.fromkeys(c for v in metrics.values() for c in v))
        out = ["| metric | " + " | ".join(cols) + " |", "|---" * (len(cols) + 1) + "|"]
        for name, row in metrics.items():
            out.append(f"| {name} | " + " | ".join(_fmt(row.get(c, "")) for c in cols) + " |")
        return "\n".join(out)
    out = ["| metric | value |", "|---|---|"]
    out += [f"| {k} | {_fmt(v)} |" for k, v in metrics.items()]
    return "\n".join(out)


def _fmt(v: Any) -> str:
    if v is None:
        return "-"
    return f"{v:.4g}" if isinstance(v, float) else str(v)


def write_training_report(folder: str | Path, title: str, summary: str, report: Report,
                          metrics: dict[str, Any], history: Sequence[dict[str, Any]]) -> Path:
    """report.md (title, summary, the trainer's section, validation history) and report.json; returns the .md."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    lines = [f"# {title}", "", summary, ""]
    if report.markdown:
        lines += [report.markdown.rstrip(), ""]
    lines += ["## Validation loss", "", "| step | train | validation |", "|---|---|---|"]
    lines += [f"| {h['step']} | {_fmt(h['train_loss'])} | {_fmt(h['val_loss'])} |" for h in history]
    md = folder / "report.md"
    md.write_text("\n".join(lines) + "\n")
    (folder / "report.json").write_text(json.dumps({**metrics, "history": list(history)}, indent=1, default=float))
    return md


def ship(artifact: Path, folder: str | Path) -> Path:
    """Copy `artifact` and the report.md / report.json beside it into `folder`; write its SHA256SUMS."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    for src in (artifact, artifact.with_name("report.md"), artifact.with_name("report.json")):
        shutil.copyfile(src, folder / src.name)
    write_checksums(folder)
    return folder / artifact.name
