"""Materialized-path helpers: fixed-width base-36 steps, so a subtree is a path prefix."""

from django.db.models import Q

from wenming.core.locks import xact_lock

from .models import PATH_ALPHABET, PATH_STEP


def encode_step(n: int) -> str:
    if not 0 < n < len(PATH_ALPHABET) ** PATH_STEP:
        raise ValueError("tree level full")
    out = ""
    for _ in range(PATH_STEP):
        n, r = divmod(n, len(PATH_ALPHABET))
        out = PATH_ALPHABET[r] + out
    return out


def decode_step(step: str) -> int:
    n = 0
    for ch in step:
        n = n * len(PATH_ALPHABET) + PATH_ALPHABET.index(ch)
    return n


def parent_path(path: str) -> str:
    return path[:-PATH_STEP]


def ancestor_paths(path: str) -> list[str]:
    """Paths of the node itself and all its ancestors, root first."""
    return [path[:i] for i in range(PATH_STEP, len(path) + 1, PATH_STEP)]


def move_reach_q(path_field: str, *, subtree: str, old_parent: str, new_parent: str) -> Q:
    """The nodes a move concerns: the ancestors of the old and new parent (their subtrees lose
    or gain nodes; their paths do not change) and the moved subtree (`subtree`: its root's
    path, before the move or after it)."""
    return (Q(**{f"{path_field}__in": ancestor_paths(old_parent) + ancestor_paths(new_parent)})
            | Q(**{f"{path_field}__startswith": subtree}))


def hold_paths() -> None:
    """Inside a transaction: no subtree moves until it ends (node_move takes this lock first).
    For writers that read which nodes lie below a node and write what follows from it (a month
    total's count of the records under its node)."""
    xact_lock("orgs:paths")
