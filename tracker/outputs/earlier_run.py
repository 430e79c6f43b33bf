"""Replacing an earlier run's outputs (``--overwrite``) so that a failing run loses nothing.

The new run writes straight into the output folder (so its files can be watched while it
runs); just before it creates its first file, the earlier run's outputs are moved, by
renames in the same folder (nothing copied, nothing half-moved), into a hidden
``DIR/.previous-XXXXXXXX/``. Once the new run has written a frame that folder is deleted; if
it ends before every output took a frame (an error before the first one, Ctrl-C while it
starts), the new run's files are removed and the earlier ones moved back. A run killed outright (SIGKILL,
power loss) leaves the earlier outputs in ``.previous-*`` for the user to take back.
"""

from __future__ import annotations

import shutil
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from tracker.core.errors import UserError
from tracker.core.protocols import FrameResult
from tracker.outputs.layout import OutputLayout


def check_writable(folder: Path) -> None:
    """Raise ``UserError`` unless files can be created in ``folder`` (or, when it does not
    exist yet, in its nearest existing parent): an anonymous temporary file is made and
    dropped, which answers truly for read-only mounts, permissions and root alike."""
    existing = folder
    while not existing.exists() and existing != existing.parent:
        existing = existing.parent
    try:
        with tempfile.TemporaryFile(dir=existing):
            pass
    except OSError as error:
        raise UserError(f"cannot write to output folder {folder}: {error.strerror}") from None


class EarlierRun:
    """The output folder of a run, and the earlier run's outputs it replaces. Passed to the
    pipeline as the last sink, it counts the frames every output before it has taken."""

    wants_image = False

    def __init__(self, layout: OutputLayout) -> None:
        self.layout = layout
        self.frames_written = 0
        self.backup: Path | None = None  # where the earlier outputs wait while the run starts
        self._made: Path | None = None  # the topmost folder this run created, if any
        self._ready = False  # prepare() finished: every output in the folder is this run's

    def prepare(self) -> None:
        """Make the output folder and move the earlier outputs aside; call it just before the
        first file is created."""
        out_dir = self.layout.out_dir
        top = out_dir
        while not top.parent.exists() and top.parent != top:
            top = top.parent
        try:
            if not top.exists():
                out_dir.mkdir(parents=True)
                self._made = top
            check_writable(out_dir)
            if existing := self.layout.existing():
                self.backup = Path(tempfile.mkdtemp(prefix=".previous-", dir=out_dir))
                for path in existing:
                    path.rename(self.backup / path.name)
        except OSError as error:
            self._restore()
            raise UserError(f"cannot write to output folder {out_dir}: {error.strerror}") from None
        self._ready = True

    def _restore(self) -> None:
        """Move the earlier outputs back (their names are free) and remove the folders this run made."""
        if self.backup is not None:
            for path in self.backup.iterdir():
                path.rename(self.layout.out_dir / path.name)
            self.backup.rmdir()
            self.backup = None
        if self._made is not None:
            folder = self.layout.out_dir
            while folder != self._made.parent and folder.is_dir() and not any(folder.iterdir()):
                folder.rmdir()
                folder = folder.parent

    def roll_back(self) -> None:
        """Remove this run's outputs and put the earlier run back as it was."""
        if self._ready:
            for path in self.layout.existing():
                path.unlink(missing_ok=True)
            self._restore()
            self._ready = False

    def commit(self) -> None:
        """Delete the earlier outputs: the new run's replace them."""
        if self.backup is not None:
            shutil.rmtree(self.backup, ignore_errors=True)
            self.backup = None

    def write(self, result: FrameResult) -> None:
        self.frames_written += 1

    def close(self) -> None:
        pass

    @contextmanager
    def replacing(self) -> Iterator[None]:
        """Around the run: keep its outputs if they took a frame, whether or not it raised.
        Otherwise put the earlier run back (saying so when the run ended without an error,
        which would have said it), or, when there was none and the run failed, remove what it
        made (a run stopped before its first frame keeps its summary.json)."""
        failed = True
        try:
            yield
            failed = False
        finally:
            if self.frames_written:
                self.commit()
            elif failed or self.backup is not None:
                kept = self.backup is not None
                try:
                    self.roll_back()
                except OSError as error:
                    print(f"warning: the earlier outputs are in {self.backup}: {error.strerror}", file=sys.stderr)
                else:
                    if kept and not failed:
                        print(f"no frame written: kept the earlier outputs in {self.layout.out_dir}", file=sys.stderr)
