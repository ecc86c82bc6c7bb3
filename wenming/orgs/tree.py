"""Materialized-path helpers: fixed-width base-36 steps, so a subtree is a path prefix."""

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
