"""`credmarket-ops`: look at the event streams, follow a purchase, check lag, replay dead letters.

Every command reads the broker named by --bootstrap (default: $CREDMARKET_KAFKA_BOOTSTRAP,
then the local stack's .stack/stack.env) and the topics under --prefix (tests run
under their own prefix). --json gives machine-readable output.
"""

from __future__ import annotations

import asyncio
import contextlib
import getpass
from typing import Annotated

import typer

from credmarket_infra.ops import output
from credmarket_infra.ops.dlq import (
    DeadLetter,
    find_dead_letter,
    list_dead_letters,
    select_dead_letters,
)
from credmarket_infra.ops.lag import consumer_lag
from credmarket_infra.ops.reading import parse_start
from credmarket_infra.ops.replay import ReplayOutcome
from credmarket_infra.ops.replay import replay as replay_letters
from credmarket_infra.ops.tail import EventFilter
from credmarket_infra.ops.tail import tail as tail_topics
from credmarket_infra.ops.target import OpsTarget, resolve_bootstrap
from credmarket_infra.ops.topics import list_topics
from credmarket_infra.ops.trace import trace as trace_flow
from credmarket_infra.ops.webhooks import OverviewUnavailable, default_catalog_url, webhook_overview

app = typer.Typer(add_completion=False, no_args_is_help=True, help=__doc__)
dlq_app = typer.Typer(no_args_is_help=True, help="Dead letters: list, show, replay.")
app.add_typer(dlq_app, name="dlq")

Bootstrap = Annotated[
    str | None,
    typer.Option(
        "--bootstrap",
        help="Kafka bootstrap servers [default: $CREDMARKET_KAFKA_BOOTSTRAP or .stack/stack.env]",
    ),
]
Prefix = Annotated[str, typer.Option("--prefix", help="Topic and consumer-group prefix.")]
AsJson = Annotated[bool, typer.Option("--json", help="Machine-readable JSON output.")]


def _target(bootstrap: str | None, prefix: str) -> OpsTarget:
    return OpsTarget(resolve_bootstrap(bootstrap), prefix)


@app.command()
def tail(
    topic: Annotated[
        list[str] | None,
        typer.Option("--topic", "-t", help="Topic to follow (repeatable) [default: all declared]"),
    ] = None,
    event_type: Annotated[
        list[str] | None,
        typer.Option("--type", help="Event type, without .vN for any version, or a glob"),
    ] = None,
    subject: Annotated[
        str | None, typer.Option(help="Only events about this aggregate id.")
    ] = None,
    correlation_id: Annotated[
        str | None, typer.Option("--correlation-id", help="Only events of this flow.")
    ] = None,
    start: Annotated[
        str, typer.Option("--from", help="now, beginning, or an RFC 3339 time")
    ] = "now",
    max_events: Annotated[
        int | None, typer.Option("--max", min=1, help="Stop after N matching events.")
    ] = None,
    timeout: Annotated[
        float | None, typer.Option("--timeout", min=0, help="Stop after S seconds.")
    ] = None,
    bootstrap: Bootstrap = None,
    prefix: Prefix = "",
    as_json: AsJson = False,
) -> None:
    """Follow topics live, each record decoded (undecodable ones shown with the reason)."""
    target = _target(bootstrap, prefix)
    try:
        start_at = parse_start(start)
    except ValueError as exc:
        raise typer.BadParameter(str(exc), param_hint="--from") from None
    topics = [target.resolve_topic(t) for t in topic] if topic else target.declared_topics()
    event_filter = EventFilter(tuple(event_type or ()), subject, correlation_id)
    out = output.console()

    async def run() -> None:
        async for record in tail_topics(
            target.bootstrap,
            topics,
            start=start_at,
            event_filter=event_filter,
            max_events=max_events,
            timeout_s=timeout,
        ):
            if as_json:
                output.emit_json(record.to_json(), compact=True)
            else:
                out.print(output.record_line(record), soft_wrap=True)

    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(run())


@app.command()
def trace(
    query: Annotated[str, typer.Argument(help="A correlation id or an enrollment id.")],
    bootstrap: Bootstrap = None,
    prefix: Prefix = "",
    as_json: AsJson = False,
) -> None:
    """Every event of one purchase in time order: hops, who handled each, dead letters."""
    result = asyncio.run(trace_flow(_target(bootstrap, prefix), query))
    if as_json:
        output.emit_json(result.to_json())
    else:
        output.print_trace(output.console(), result)
    if not result.hops:
        raise typer.Exit(1)


@app.command()
def lag(
    group: Annotated[str | None, typer.Option(help="Only this consumer group.")] = None,
    max_lag: Annotated[
        int | None,
        typer.Option("--max-lag", min=0, help="Exit 1 when the total lag is above N (alerting)."),
    ] = None,
    fail_if_stuck: Annotated[
        bool,
        typer.Option("--fail-if-stuck", help="Exit 1 when any partition is stuck (alerting)."),
    ] = False,
    bootstrap: Bootstrap = None,
    prefix: Prefix = "",
    as_json: AsJson = False,
) -> None:
    """Lag per consumer group, topic and partition (end - committed offset), the total, and
    the stuck partitions: those whose next record keeps failing, with since when and why."""
    report = asyncio.run(consumer_lag(_target(bootstrap, prefix), group))
    if as_json:
        output.emit_json({**report.to_json(), "max_lag": max_lag})
    else:
        output.print_lag(output.console(), report, max_lag)
    if max_lag is not None and report.total > max_lag:
        raise typer.Exit(1)
    if fail_if_stuck and report.stuck:
        raise typer.Exit(1)


@app.command()
def topics(bootstrap: Bootstrap = None, prefix: Prefix = "", as_json: AsJson = False) -> None:
    """Topics with partitions, retention, cleanup policy and message counts (incl. dead letters)."""
    found = asyncio.run(list_topics(_target(bootstrap, prefix)))
    if as_json:
        output.emit_json([t.to_json() for t in found])
    else:
        output.print_topics(output.console(), found)


@dlq_app.command("list")
def dlq_list(
    group: Annotated[str | None, typer.Option(help="Only this consumer group's letters.")] = None,
    bootstrap: Bootstrap = None,
    prefix: Prefix = "",
    as_json: AsJson = False,
) -> None:
    """Dead letters of every group (or one), with whether each was replayed."""
    letters = asyncio.run(list_dead_letters(_target(bootstrap, prefix), group))
    if as_json:
        output.emit_json([d.to_json() for d in letters])
    else:
        output.print_dead_letters(output.console(), letters)


@dlq_app.command("show")
def dlq_show(
    topic: Annotated[str, typer.Argument(help="The dead-letter topic, e.g. payments.dlq")],
    partition: Annotated[int, typer.Argument(min=0)],
    offset: Annotated[int, typer.Argument(min=0)],
    bootstrap: Bootstrap = None,
    prefix: Prefix = "",
    as_json: AsJson = False,
) -> None:
    """One dead letter in full: reason, error, origin, attempts, headers, decoded value."""
    letter = asyncio.run(find_dead_letter(_target(bootstrap, prefix), topic, partition, offset))
    if letter is None:
        typer.echo(f"no dead letter at {topic}/{partition}/{offset}", err=True)
        raise typer.Exit(1)
    if as_json:
        output.emit_json(letter.to_json(full=True))
    else:
        output.print_dead_letter(output.console(), letter)


@dlq_app.command("replay")
def dlq_replay(
    topic: Annotated[
        str | None, typer.Argument(help="Dead-letter topic (with partition, offset)")
    ] = None,
    partition: Annotated[int | None, typer.Argument(min=0)] = None,
    offset: Annotated[int | None, typer.Argument(min=0)] = None,
    reason: Annotated[str | None, typer.Option(help="Replay letters with this dlq_reason.")] = None,
    event_type: Annotated[
        str | None, typer.Option("--type", help="Replay letters of this event type.")
    ] = None,
    group: Annotated[str | None, typer.Option(help="Only this group's letters.")] = None,
    replay_all: Annotated[bool, typer.Option("--all", help="Replay every dead letter.")] = False,
    force: Annotated[
        bool, typer.Option("--force", help="Replay even letters the ledger says were replayed.")
    ] = False,
    bootstrap: Bootstrap = None,
    prefix: Prefix = "",
    as_json: AsJson = False,
) -> None:
    """Put dead letters back on their origin topic, once (recorded in the ops.dlq-replays ledger).

    Give one letter by coordinates, or a filter (--reason, --type, --group), or --all.
    Already-replayed letters are refused (one letter) or skipped (a selection) unless --force.
    """
    target = _target(bootstrap, prefix)
    by_coordinates = topic is not None
    if by_coordinates and (partition is None or offset is None):
        raise typer.BadParameter("give TOPIC PARTITION OFFSET together")
    if not by_coordinates and not (replay_all or reason or event_type or group):
        raise typer.BadParameter(
            "give TOPIC PARTITION OFFSET, a filter (--reason/--type), or --all"
        )

    async def chosen() -> list[DeadLetter]:
        if topic is not None and partition is not None and offset is not None:
            one = await find_dead_letter(target, topic, partition, offset)
            return [one] if one else []
        letters = await list_dead_letters(target, group)
        return select_dead_letters(letters, reason=reason, event_type=event_type)

    async def run() -> list[ReplayOutcome]:
        letters = await chosen()
        if by_coordinates and not letters:
            typer.echo(f"no dead letter at {topic}/{partition}/{offset}", err=True)
            raise typer.Exit(1)
        return await replay_letters(target, letters, force=force, by=f"cli:{getpass.getuser()}")

    outcomes = asyncio.run(run())
    if as_json:
        output.emit_json([o.to_json() for o in outcomes])
    else:
        output.print_replays(output.console(), outcomes)
    refused = by_coordinates and any(o.status == "skipped" for o in outcomes)
    if refused or any(o.status == "failed" for o in outcomes):
        raise typer.Exit(1)


@app.command()
def webhooks(
    catalog: Annotated[
        str | None,
        typer.Option(
            "--catalog",
            help="catalog's base URL [default: $CREDMARKET_CATALOG_URL or the local port]",
        ),
    ] = None,
    token: Annotated[
        str | None,
        typer.Option(
            "--token",
            envvar="CREDMARKET_OPS_TOKEN",
            help="An ops bearer token.",
            show_default=False,
        ),
    ] = None,
    as_json: AsJson = False,
) -> None:
    """Webhooks: the delivery backlog, failing endpoints, and those disabled for failing."""
    if not token:
        raise typer.BadParameter("an ops token is needed (--token or $CREDMARKET_OPS_TOKEN)")
    try:
        overview = asyncio.run(webhook_overview(catalog or default_catalog_url(), token))
    except OverviewUnavailable as exc:
        output.console().print(f"[red]{exc}[/red]")
        raise typer.Exit(2) from None
    if as_json:
        output.emit_json(overview.to_json())
    else:
        output.print_webhooks(output.console(), overview)
    # Non-zero when something needs ops, so a cron or a probe can act on it.
    if overview.failing or overview.disabled:
        raise typer.Exit(1)


def main() -> None:
    app()


if __name__ == "__main__":
    main()
