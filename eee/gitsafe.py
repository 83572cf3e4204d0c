"""Running git on a registry that may come from anyone, without running the programs its repository names.

A repository's own configuration (.git/config, and the files it includes) can name programs that git starts by
itself: `core.fsmonitor` whenever git looks at the working tree (git status, git diff against it), a filter's
`clean` or `process` command for the files its .gitattributes marks, `gpg.program` for a signed commit when
`log.showSignature` is set. A registry received as an archive with its .git folder would run them on the officer's
machine as soon as eee asks git whether a file changed (`workbook.registry_version`, `eee diff`).

`prefix` turns them off for the git commands that follow it, or says it cannot: `core.fsmonitor=false`,
`log.showSignature=false`, and each filter the repository's configuration defines (not the user's own, such as
Git LFS's in ~/.gitconfig) emptied and not required. Reading the configuration runs nothing. External diff
programs and textconv are the callers' to turn off (`--no-ext-diff --no-textconv`), and submodules to leave alone
(`--ignore-submodules=all`).
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

# Where a configuration value comes from (git config --show-scope): the user's own and the command line's are kept.
_TRUSTED_SCOPES = ("system", "global", "command")
_FILTER_KEYS = ("clean", "smudge", "process")


def repository_filters(cwd: Path | str) -> list[str] | None:
    """The names of the filters the repository at `cwd` defines in its own configuration (scope local or
    worktree, included files too): [] if none, or without git (which then runs nothing); None if git cannot say
    (one older than 2.26)."""
    try:
        done = subprocess.run(["git", "-C", os.path.abspath(cwd), "config", "--show-scope", "-z", "--name-only",
                               "--get-regexp", r"^filter\."], capture_output=True, timeout=20, check=False)
    except OSError:  # no git
        return []
    except subprocess.SubprocessError:
        return None
    if done.returncode not in (0, 1):  # 1: no such key
        return None
    fields = done.stdout.decode("utf-8", "surrogateescape").split("\0")
    names = []
    for scope, key in zip(fields[::2], fields[1::2]):
        name = key[len("filter."):key.rfind(".")]  # filter.<name>.<key>; a name may hold dots
        if scope not in _TRUSTED_SCOPES and name not in names:
            names.append(name)
    return names


def prefix(cwd: Path | str) -> list[str] | None:
    """`git -C cwd` (made absolute) and the settings that keep git from starting a program the repository's configuration names,
    for commands to follow; None when that cannot be made sure of (a filter's name that `git -c` cannot write, git
    unable to list them): the caller then does without git."""
    names = repository_filters(cwd)
    if names is None or any("=" in name for name in names):
        return None
    settings = ["-c", "core.fsmonitor=false", "-c", "log.showSignature=false"]
    for name in names:
        settings += [arg for key in _FILTER_KEYS for arg in ("-c", f"filter.{name}.{key}=")]
        settings += ["-c", f"filter.{name}.required=false"]
    return ["git", "-C", os.path.abspath(cwd), *settings]
