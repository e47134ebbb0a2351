"""The people, trees and kinship facts of the family-trees task (Nature Figs 2-4).

Only the trees are typed in, as Nature Fig. 2 draws them (PAPER_FACTS A.2, [P-img]): who
is married to whom and which children each couple has. Everything else is derived here:
the twelve relationships, every person's generation and family branch, the 104
(person, relationship) cases and their 112 answers.

Beware: https://cybertronai.github.io/hinton-problems/family-trees/ draws a different,
wrong tree (Margaret as Andrew's daughter, James married in, "100 facts"); the trees below
follow the Fig. 2 scan.

Unit order
----------
The 24 person units (input ``person`` and output) are the 12 English people in the column
order of Nature Fig. 4 (Christopher, Andrew, Arthur, James, Charles, Colin, Penelope,
Christine, Victoria, Jennifer, Margaret, Charlotte: the men, then the women), then their 12
Italian counterparts in the same order, so that unit ``i + 12`` is the counterpart of unit
``i``. This is the paper's layout, "English people in one row and their Italian
counterparts directly below" (Fig. 3 caption), written as one row of 24.
"""

from __future__ import annotations

from dataclasses import dataclass

# Nature Fig. 2 caption [P-txt]: the twelve relationships, in the paper's order.
RELATIONS = ("father", "mother", "husband", "wife", "son", "daughter",
             "uncle", "aunt", "brother", "sister", "nephew", "niece")

# Branch labels. A family has two founding couples, drawn left and right in Fig. 2.
LEFT, RIGHT, BOTH = "left", "right", "both"


@dataclass(frozen=True)
class Tree:
    """One family tree as Nature Fig. 2 draws it.

    Parameters
    ----------
    nationality : ``"English"`` or ``"Italian"``.
    men, women : everyone in the tree, by sex (Fig. 2 names; the relationship words need it).
    couples : (husband, wife) pairs; the founding couples in the order drawn, left first.
    children : (husband, wife) to that couple's children.
    """

    nationality: str
    men: tuple[str, ...]
    women: tuple[str, ...]
    couples: tuple[tuple[str, str], ...]
    children: dict[tuple[str, str], tuple[str, ...]]

    @property
    def people(self) -> tuple[str, ...]:
        return self.men + self.women


# Nature Fig. 2 [P-img] (PAPER_FACTS A.2).
ENGLISH = Tree(
    nationality="English",
    men=("Christopher", "Andrew", "Arthur", "James", "Charles", "Colin"),
    women=("Penelope", "Christine", "Victoria", "Jennifer", "Margaret", "Charlotte"),
    couples=(("Christopher", "Penelope"), ("Andrew", "Christine"), ("Arthur", "Margaret"),
             ("James", "Victoria"), ("Charles", "Jennifer")),
    children={("Christopher", "Penelope"): ("Arthur", "Victoria"),
              ("Andrew", "Christine"): ("James", "Jennifer"),
              ("James", "Victoria"): ("Colin", "Charlotte")},
)
ITALIAN = Tree(
    nationality="Italian",
    men=("Roberto", "Pierro", "Emilio", "Marco", "Tomaso", "Alfonso"),
    women=("Maria", "Francesca", "Lucia", "Angela", "Gina", "Sophia"),
    couples=(("Roberto", "Maria"), ("Pierro", "Francesca"), ("Emilio", "Gina"),
             ("Marco", "Lucia"), ("Tomaso", "Angela")),
    children={("Roberto", "Maria"): ("Emilio", "Lucia"),
              ("Pierro", "Francesca"): ("Marco", "Angela"),
              ("Marco", "Lucia"): ("Alfonso", "Sophia")},
)
TREES = (ENGLISH, ITALIAN)

# Nature Fig. 2 [P-img]: the people in the same place in the two trees.
COUNTERPART = {
    "Christopher": "Roberto", "Penelope": "Maria", "Andrew": "Pierro",
    "Christine": "Francesca", "Arthur": "Emilio", "Margaret": "Gina", "Victoria": "Lucia",
    "James": "Marco", "Jennifer": "Angela", "Charles": "Tomaso", "Colin": "Alfonso",
    "Charlotte": "Sophia",
}

# Nature Fig. 4 [P-img]: the column order of the English people.
FIG4_ORDER = ("Christopher", "Andrew", "Arthur", "James", "Charles", "Colin",
              "Penelope", "Christine", "Victoria", "Jennifer", "Margaret", "Charlotte")
# The 24 person units: English in Fig. 4 order, then each one's Italian counterpart.
PEOPLE = FIG4_ORDER + tuple(COUNTERPART[p] for p in FIG4_ORDER)
UNIT = {name: i for i, name in enumerate(PEOPLE)}


@dataclass(frozen=True)
class Person:
    """What the Fig. 4 caption says the person units came to encode, and more.

    ``generation``: 1 for the founding couples, a child one below its parents, someone
    who married in the same as their spouse. ``branch``: ``left`` or ``right`` for the
    founding couple drawn on that side in Fig. 2 and everyone descended from it only;
    someone who married in takes their spouse's branch; ``both`` for the children of a
    marriage between the branches (Colin and Charlotte, and their Italian counterparts).
    This matches the right branch Hinton reads off Nature Fig. 4 unit 6 in his 2012
    Coursera lecture 4a (Andrew, Christine, James, Jennifer, Charles; a secondary source,
    [S]); the paper itself does not define "branch".
    """

    name: str
    nationality: str
    sex: str
    generation: int
    branch: str
    counterpart: str


def _parents(tree: Tree) -> dict[str, tuple[str, str]]:
    return {child: couple for couple, kids in tree.children.items() for child in kids}


def _spouse(tree: Tree) -> dict[str, str]:
    out = {}
    for husband, wife in tree.couples:
        out[husband], out[wife] = wife, husband
    return out


def generations(tree: Tree) -> dict[str, int]:
    """Generation of everyone in the tree, 1 = founders (see :class:`Person`)."""
    parents, spouse = _parents(tree), _spouse(tree)
    gen: dict[str, int] = {}
    while len(gen) < len(tree.people):
        before = len(gen)
        for p in tree.people:
            if p in gen:
                continue
            if p in parents:
                father = parents[p][0]
                if father in gen:
                    gen[p] = gen[father] + 1
            elif spouse.get(p) in parents:  # married in: the spouse's generation
                if spouse[p] in gen:
                    gen[p] = gen[spouse[p]]
            else:  # neither they nor their spouse has parents in the tree
                gen[p] = 1
        if len(gen) == before:
            raise ValueError(f"{tree.nationality} tree: generations undetermined")
    return gen


def branches(tree: Tree) -> dict[str, str]:
    """``left``, ``right`` or ``both`` for everyone in the tree (see :class:`Person`)."""
    parents, spouse = _parents(tree), _spouse(tree)
    founders = [c for c in tree.couples if c[0] not in parents and c[1] not in parents]
    if len(founders) != 2:
        raise ValueError(f"{tree.nationality} tree: {len(founders)} founding couples, not 2")
    side = {}
    for couple, label in zip(founders, (LEFT, RIGHT)):
        side[couple[0]] = side[couple[1]] = label

    def of(p: str) -> str:
        if p not in side:
            if p in parents:
                labels = {of(q) for q in parents[p]}
                side[p] = labels.pop() if len(labels) == 1 else BOTH
            elif p in spouse:  # married in: no descent of their own, so the spouse's
                side[p] = of(spouse[p])
            else:
                raise ValueError(f"{p}: neither parents nor spouse in the tree")
        return side[p]

    return {p: of(p) for p in tree.people}


def relations(tree: Tree) -> dict[tuple[str, str], tuple[str, ...]]:
    """Every (person, relationship) with at least one answer, mapped to its answers.

    Uncles and aunts include those by marriage (the spouses of a parent's siblings): the
    Fig. 3 caption gives Colin two aunts, which needs Margaret, Arthur's wife. Nephews and
    nieces are the converse, so they too include those by marriage.

    Returns
    -------
    dict of (person, relation) to the answers, in unit order.
    """
    parents, spouse = _parents(tree), _spouse(tree)
    male = set(tree.men)
    kids = {p: () for p in tree.people}
    for couple, children in tree.children.items():
        for parent in couple:
            kids[parent] = kids[parent] + children

    def siblings(p):
        return [s for s in tree.children[parents[p]] if s != p] if p in parents else []

    def parents_siblings(p):
        blood = [s for parent in parents.get(p, ()) for s in siblings(parent)]
        return blood + [spouse[s] for s in blood if s in spouse]

    found: dict[str, dict[str, list[str]]] = {r: {p: [] for p in tree.people}
                                              for r in RELATIONS}
    for p in tree.people:
        if p in parents:
            found["father"][p].append(parents[p][0])
            found["mother"][p].append(parents[p][1])
        if p in spouse:
            found["wife" if p in male else "husband"][p].append(spouse[p])
        for c in kids[p]:
            found["son" if c in male else "daughter"][p].append(c)
        for s in siblings(p):
            found["brother" if s in male else "sister"][p].append(s)
        for u in parents_siblings(p):
            found["uncle" if u in male else "aunt"][p].append(u)
            found["nephew" if p in male else "niece"][u].append(p)
    return {(p, r): tuple(sorted(set(found[r][p]), key=UNIT.__getitem__))
            for p in tree.people for r in RELATIONS if found[r][p]}


def people() -> tuple[Person, ...]:
    """The 24 people in unit order, with their attributes."""
    italian_of = dict(COUNTERPART)
    english_of = {v: k for k, v in COUNTERPART.items()}
    out = {}
    for tree in TREES:
        gen, branch = generations(tree), branches(tree)
        for p in tree.people:
            out[p] = Person(p, tree.nationality, "male" if p in tree.men else "female",
                            gen[p], branch[p], italian_of.get(p) or english_of[p])
    return tuple(out[p] for p in PEOPLE)


def cases() -> tuple[tuple[str, str, tuple[str, ...]], ...]:
    """The 104 cases (person, relation, answers): by person in unit order, then by
    relation in the paper's order."""
    facts = {}
    for tree in TREES:
        facts.update(relations(tree))
    return tuple((p, r, facts[p, r]) for p in PEOPLE for r in RELATIONS if (p, r) in facts)
