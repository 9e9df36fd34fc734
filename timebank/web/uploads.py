"""Files that staff upload to look at before confirming (imports, official result lists): kept
in a folder under the instance path and removed once they are older than their time."""

import time
from pathlib import Path


def remove_old_files(folder: Path, keep_seconds: int) -> None:
    """Remove the files in `folder` last written more than `keep_seconds` ago: uploads never
    confirmed, and the files of jobs long ended. Safe with several workers doing it at once."""
    oldest = time.time() - keep_seconds
    for path in folder.iterdir():
        try:
            if path.is_file() and path.stat().st_mtime < oldest:
                path.unlink()
        except FileNotFoundError:  # another worker removed it first
            pass
