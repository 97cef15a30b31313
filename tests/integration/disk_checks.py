"""Searching what reached the disk: the encryption-at-rest tests' one grep."""
import os


def files_containing(root, needles):
    """{needle: [paths relative to root of regular files holding it]}, read as bytes.

    Symbolic links are not followed, so a test sees only what lies under root.
    """
    found = {n: [] for n in needles}
    for dirpath, _, filenames in os.walk(root):
        for name in filenames:
            path = os.path.join(dirpath, name)
            if os.path.islink(path) or not os.path.isfile(path):
                continue
            with open(path, "rb") as f:
                data = f.read()
            for n in needles:
                if n in data:
                    found[n].append(os.path.relpath(path, root))
    return found
