"""What became of a unit's cases: award, rank, links to the notice, the installment and the
certificate. Case collection cannot import judging or publishing, so those apps register a
provider here (in their AppConfig.ready) and the unit's pages ask `outcomes_for`.

A provider is `provider(cases, outcomes) -> None`: it reads what it knows about `cases` in a
fixed number of queries (the unit's case list runs the same number for 1 case and for many) and
fills in `outcomes[case.pk]`. It must tell only what the unit may know: nothing before the
notice is published.
"""

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

from .models import Case


@dataclass(frozen=True)
class Link:
    label: str
    url: str


@dataclass
class Outcome:
    award: str = ""  # the award's name (十佳案例 / 优秀案例), empty when none or not yet public
    category: str = ""
    rank: int | None = None  # only when the organizer publishes ranks
    final: bool = False  # the results are final (not only on notice)
    links: list[Link] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.award or self.links)


Provider = Callable[[Sequence[Case], dict[int, Outcome]], None]
PROVIDERS: list[Provider] = []


def register(provider: Provider) -> None:
    if provider not in PROVIDERS:
        PROVIDERS.append(provider)


def outcomes_for(cases: Sequence[Case]) -> dict[int, Outcome]:
    """Outcome of each case, by case id (an empty Outcome when nothing is known yet)."""
    outcomes = {c.pk: Outcome() for c in cases}
    if cases:
        for provider in PROVIDERS:
            provider(cases, outcomes)
    return outcomes


def with_outcomes(cases: Iterable[Case]) -> list[Case]:
    """The cases as a list, each with its `outcome` (for the unit's case lists)."""
    listed = list(cases)
    outcomes = outcomes_for(listed)
    for case in listed:
        case.outcome = outcomes[case.pk]  # type: ignore[attr-defined]
    return listed
