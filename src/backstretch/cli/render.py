"""Rich renderings of core objects; every function takes the console it prints to."""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import TYPE_CHECKING

from rich.console import Console, Group
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from backstretch.core.catalogue import Catalogue, Stretch
from backstretch.core.dose import describe_dose, describe_dose_short

if TYPE_CHECKING:
    from backstretch.core.education import EducationPage


def output_console() -> Console:
    """Return the console for normal output (Rich honours NO_COLOR itself)."""
    return Console(highlight=False, no_color="NO_COLOR" in os.environ or None)


def error_console() -> Console:
    """Return the console for errors, on stderr."""
    return Console(stderr=True, highlight=False, no_color="NO_COLOR" in os.environ or None)


def _words(values: Sequence[str]) -> str:
    return ", ".join(str(v).replace("_", " ") for v in values)


def stretch_table(console: Console, stretches: Sequence[Stretch]) -> None:
    """Print the stretches as a table of id, name, position, areas and dose."""
    if not stretches:
        console.print("No stretches match.")
        return
    table = Table(title=f"{len(stretches)} stretches", title_justify="left", expand=False)
    table.add_column("id", style="bold", no_wrap=True)
    table.add_column("name", max_width=24)
    table.add_column("ways")
    table.add_column("areas")
    table.add_column("dose")
    for stretch in stretches:
        table.add_row(
            stretch.id,
            stretch.name,
            ", ".join(way.words for way in stretch.ways),
            _words(stretch.regions),
            describe_dose_short(stretch),
        )
    console.print(table)
    console.print("Details: backstretch show ID", style="dim")


def _bullets(lines: Sequence[str]) -> Text:
    return Text("\n".join(f"• {line}" for line in lines))


def stretch_detail(
    console: Console, stretch: Stretch, catalogue: Catalogue, why_not: str | None = None
) -> None:
    """Print everything about one stretch, instructions first, and why it stays out of the
    person's plans when it does."""
    heading = Text(stretch.name, style="bold")
    if stretch.aliases:
        heading.append(f"  (also: {', '.join(stretch.aliases)})", style="dim")
    console.print(heading)
    console.print(stretch.summary)
    if why_not:
        console.print(Text(f"Not in your plans: {why_not}.", style="yellow"))
    facts = Table.grid(padding=(0, 2))
    facts.add_row("Dose", describe_dose(stretch))
    facts.add_row("Ways", ", ".join(way.words for way in stretch.ways))
    facts.add_row("Areas", _words(stretch.regions))
    facts.add_row("Level", stretch.level)
    console.print(facts)
    steps = stretch.steps
    for way in stretch.ways:
        needs = f" (needs: {_words(way.equipment)})" if way.equipment else ""
        console.print(
            Text(f"\nGet set, {way.words}{needs}", style="bold"), _bullets(way.setup), sep="\n"
        )
        if way.movement:
            console.print(
                Text(f"Move, {way.words}", style="bold"), _bullets(way.movement), sep="\n"
            )
        console.print(Text(f"  movements: {_words(way.movements) or 'none'}", style="dim"))
    if any(way.movement is None for way in stretch.ways):
        console.print(Text("Move", style="bold"), _bullets(steps.movement), sep="\n")
    console.print(Text("Finish", style="bold"), _bullets(steps.finish), sep="\n")
    console.print(Text("Breathing", style="bold"), _bullets(stretch.breath), sep="\n")
    console.print(Text("Good form", style="bold"), _bullets(stretch.form_cues), sep="\n")
    console.print(Text("Avoid", style="bold"), _bullets(stretch.mistakes), sep="\n")
    if stretch.modifications:
        console.print(
            Text("Make it easier", style="bold"), _bullets(stretch.modifications), sep="\n"
        )
    console.print(
        Panel(_bullets(stretch.stop_if), title="Stop if", title_align="left", border_style="red")
    )
    variants = catalogue.variants_of(stretch.id)
    if variants:
        console.print(Text("Related", style="bold"))
        for variant in variants:
            ways = ", ".join(way.words for way in variant.ways)
            console.print(f"• {variant.id}: {variant.name} ({ways})")
    console.print(Text("Sources", style="bold"))
    for source in stretch.sources:
        origin = source.origin
        console.print(Text(f"• {origin}: {source.fact}", style="dim"))


def topic_list(console: Console, pages: Sequence[EducationPage]) -> None:
    """Print the education topics with their summaries."""
    table = Table(show_header=True, title="Topics", title_justify="left")
    table.add_column("topic", style="bold", no_wrap=True)
    table.add_column("about")
    for page in pages:
        table.add_row(page.topic, page.summary)
    console.print(table)
    console.print("Read one: backstretch learn TOPIC", style="dim")


def education_page(console: Console, page: EducationPage) -> None:
    """Print one education page with its sources."""
    sources = Text(
        "\n".join(f"• {s.file or s.given_by}: {s.fact}" for s in page.sources), style="dim"
    )
    from rich.markdown import Markdown  # markdown-it is slow to load: only for reading pages

    console.print(Group(Text(page.title, style="bold"), Markdown(page.body)))
    console.print(Text("Sources", style="bold"))
    console.print(sources)


def say_error(message: str) -> None:
    """Print one line to stderr, prefixed with the program's name, exactly as given."""
    error_console().print(f"backstretch: {message}", markup=False, highlight=False, soft_wrap=True)
