"""How results look: rich tables and colours on a terminal, or JSON for scripts.

Colours and widths come from rich's terminal detection, so piping the output
gives plain text; ``--json`` gives machine-readable output instead.
"""

from __future__ import annotations

import json
import os
import sys
from typing import Any

from rich.console import Console
from rich.table import Table
from rich.text import Text

from credmarket_infra.ops.dlq import DeadLetter
from credmarket_infra.ops.lag import LagReport
from credmarket_infra.ops.reading import OpsRecord
from credmarket_infra.ops.replay import ReplayOutcome
from credmarket_infra.ops.topics import TopicInfo
from credmarket_infra.ops.trace import Trace, describe_since, describe_time

PIPED_WIDTH = 220
STATUS_STYLE = {
    "handled": "green",
    "pending": "yellow",
    "dead-lettered": "red",
    "replayed": "green",
    "skipped": "yellow",
    "failed": "red",
}
STATUS_MARK = {"handled": "✓", "pending": "…", "dead-lettered": "✗"}


def console() -> Console:
    # Piped into grep or a log, rich would wrap at 80 columns; keep rows whole instead.
    piped = not sys.stdout.isatty() and "COLUMNS" not in os.environ
    return Console(highlight=False, width=PIPED_WIDTH if piped else None)


def emit_json(data: Any, *, compact: bool = False) -> None:
    # Plain print, not rich: JSON must never be wrapped or coloured.
    text = (
        json.dumps(data, default=str, separators=(",", ":"))
        if compact
        else json.dumps(data, default=str, indent=2)
    )
    print(text, flush=True)


def short_type(event_type: str | None) -> str:
    """credmarket.enrollment.enrollment.requested.v1 -> enrollment.requested.v1"""
    if not event_type:
        return "?"
    parts = event_type.split(".")
    return ".".join(parts[2:]) if len(parts) > 3 and parts[0] == "credmarket" else event_type


def record_line(record: OpsRecord) -> Text:
    line = Text()
    line.append(describe_time(record.time), style="dim")
    line.append(f"  {record.topic}[{record.partition}]@{record.offset}  ", style="cyan")
    if record.envelope is not None:
        line.append(short_type(record.event_type), style="bold")
    else:
        line.append(f"UNDECODABLE ({record.problem})", style="bold red")
        if record.event_type:
            line.append(f" type={record.event_type}")
    line.append(f"  subject={record.subject or '-'}")
    line.append(f"  corr={record.correlation_id or '-'}", style="dim")
    return line


def print_trace(out: Console, trace: Trace) -> None:
    if not trace.hops:
        out.print(f"[yellow]no events found for {trace.query}[/yellow]")
        return
    out.print(
        f"[bold]trace {trace.query}[/bold]  correlation {', '.join(trace.correlation_ids)}"
        f"  ({len(trace.hops)} events, {describe_since(trace.duration)})"
    )
    table = Table(show_lines=False)
    for column in ("#", "time", "hop", "topic", "event", "subject", "handled by"):
        table.add_column(column)
    for i, hop in enumerate(trace.hops, 1):
        handled = Text()
        for status in hop.groups:
            if handled:
                handled.append(", ")
            handled.append(
                f"{status.group} {STATUS_MARK[status.status]} {status.status}",
                style=STATUS_STYLE[status.status],
            )
        for letter in hop.dead_letters:
            handled.append(f"\n→ {letter.key} ({letter.reason})", style="red")
        event = Text(short_type(hop.record.event_type))
        if hop.record.envelope is None:
            event = Text(f"undecodable: {hop.record.problem}", style="red")
        table.add_row(
            str(i),
            describe_time(hop.record.time),
            describe_since(hop.since_previous),
            f"{hop.record.topic}[{hop.record.partition}]@{hop.record.offset}",
            event,
            hop.record.subject or "-",
            handled or Text("-", style="dim"),
        )
    out.print(table)
    orphans = [d for d in trace.dead_letters if not any(d in h.dead_letters for h in trace.hops)]
    if orphans:
        out.print("[red]dead letters of this flow whose original is no longer on its topic:[/red]")
        print_dead_letters(out, orphans)


def print_stuck(out: Console, report: LagReport) -> None:
    table = Table(title="stuck partitions (the next record keeps failing)", style="red")
    for column in ("group", "topic", "partition", "at", "since", "attempts", "event", "error"):
        table.add_column(column, justify="right" if column in ("partition", "at") else "left")
    for row in report.stuck:
        note = row.stuck or {}
        table.add_row(
            row.group,
            row.topic,
            str(row.partition),
            "-" if row.committed is None else str(row.committed),
            str(note.get("stuck_since", "?")),
            f"{note.get('attempts', '?')} ({note.get('failure', '?')})",
            f"{note.get('event_type', '?')} {note.get('event_id', '')}",
            Text(str(note.get("error", "")), style="red"),
        )
    out.print(table)


def print_lag(out: Console, report: LagReport, max_lag: int | None) -> None:
    table = Table(title="consumer lag")
    for column in ("group", "topic", "partition", "committed", "end", "lag"):
        table.add_column(
            column, justify="right" if column in ("partition", "end", "lag") else "left"
        )
    for row in report.partitions:
        table.add_row(
            row.group,
            row.topic,
            str(row.partition),
            "-" if row.committed is None else str(row.committed),
            str(row.end),
            Text(str(row.lag), style="yellow" if row.lag else "green"),
        )
    out.print(table)
    if report.stuck:
        print_stuck(out, report)
    for group, lag in report.per_group().items():
        out.print(f"  {group}: {lag}")
    over = max_lag is not None and report.total > max_lag
    style = "red" if over else "green"
    limit = f" (limit {max_lag})" if max_lag is not None else ""
    out.print(f"[{style}]total lag {report.total}{limit}[/{style}]")


def print_dead_letters(out: Console, letters: list[DeadLetter]) -> None:
    if not letters:
        out.print("[green]no dead letters[/green]")
        return
    table = Table(title="dead letters")
    for column in ("dead letter", "failed at", "group", "reason", "event", "origin", "replayed"):
        table.add_column(column)
    for d in letters:
        table.add_row(
            d.key,
            d.failed_at or "-",
            d.group or "-",
            Text(d.reason, style="red"),
            short_type(d.record.event_type),
            d.origin,
            Text(d.replay.replayed_at, style="green") if d.replay else Text("no", style="yellow"),
        )
    out.print(table)


def print_dead_letter(out: Console, letter: DeadLetter) -> None:
    out.print(f"[bold]{letter.key}[/bold]")
    fields = letter.to_json(full=True)
    table = Table(show_header=False)
    table.add_column("field", style="bold")
    table.add_column("value")
    for name in ("reason", "error", "group", "attempts", "failed_at", "id", "type", "subject"):
        table.add_row(name, str(fields[name]))
    table.add_row("origin", letter.origin)
    table.add_row("replayed", json.dumps(fields["replayed"]) if fields["replayed"] else "no")
    table.add_row("decoded", "yes" if fields["decoded"] else f"no: {fields['problem']}")
    out.print(table)
    headers = Table(title="headers")
    headers.add_column("name")
    headers.add_column("value")
    for name, value in fields["headers"].items():
        headers.add_row(name, value)
    out.print(headers)
    out.print("[bold]value[/bold]")
    data = fields["data"]
    if isinstance(data, dict):
        out.print_json(json.dumps(data))
    else:
        out.print(str(data))


def print_replays(out: Console, outcomes: list[ReplayOutcome]) -> None:
    if not outcomes:
        out.print("[yellow]nothing to replay[/yellow]")
        return
    for o in outcomes:
        style = STATUS_STYLE[o.status]
        out.print(f"[{style}]{o.status}[/{style}] {o.letter.key}: {o.message}")


def print_topics(out: Console, topics: list[TopicInfo]) -> None:
    table = Table(title="topics")
    for column in ("topic", "kind", "partitions", "retention", "cleanup", "messages"):
        table.add_column(
            column, justify="right" if column in ("partitions", "messages") else "left"
        )
    for t in topics:
        table.add_row(
            t.name,
            t.kind,
            str(t.partitions),
            _retention(t.retention_ms),
            t.cleanup_policy or "-",
            str(t.messages),
        )
    out.print(table)


def _retention(ms: int | None) -> str:
    if ms is None:
        return "-"
    if ms < 0:
        return "forever"
    days = ms / 86_400_000
    return f"{days:g} d" if days >= 1 else f"{ms / 3_600_000:g} h"


def print_webhooks(out: Console, overview: Any) -> None:
    raw = overview.to_json()
    oldest = raw.get("oldest_pending_at") or "—"
    out.print(
        f"backlog: {raw['pending']} pending (oldest {oldest}); "
        f"{raw['failed_last_day']} given up in the last day"
    )
    for title, key, style in (
        ("failing endpoints", "failing_endpoints", "yellow"),
        ("disabled for failing", "disabled_endpoints", "red"),
    ):
        rows = raw[key]
        if not rows:
            out.print(f"[green]no {title}[/green]")
            continue
        table = Table(title=title, title_style=style)
        for column in ("endpoint", "provider", "url", "failing since", "pending", "last error"):
            table.add_column(column)
        for health in rows:
            endpoint = health["endpoint"]
            table.add_row(
                endpoint["id"],
                endpoint["provider_id"],
                endpoint["url"],
                endpoint["failing_since"] or "—",
                str(health["pending"]),
                (endpoint["last_error"] or "")[:80],
            )
        out.print(table)
