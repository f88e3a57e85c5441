"""Which file system a folder is on, to tell the network shares that watching cannot cover.

inotify (and so watchfiles) hears only of changes made through this machine's kernel: a file
another machine adds to an NFS or SMB share raises no event here. Such roots are not watched;
the scheduled rescans keep them current.
"""

from __future__ import annotations

from pathlib import Path

MOUNTS = Path("/proc/self/mounts")
#: File systems whose changes made elsewhere raise no events here.
NETWORK_FILESYSTEMS = frozenset({
    "nfs", "nfs4", "cifs", "smb3", "smbfs", "9p", "afs", "ceph", "glusterfs", "lustre", "gpfs",
    "ncpfs", "coda", "davfs", "fuse.sshfs", "fuse.rclone", "fuse.davfs2", "fuse.s3fs",
    "fuse.glusterfs", "fuse.cephfs", "fuse.gcsfuse", "fuse.smbnetfs",
})


def _unescape(field: str) -> str:
    """A mount point as /proc/self/mounts writes it (space as ``\\040``...)."""
    for code, char in (("\\040", " "), ("\\011", "\t"), ("\\012", "\n"), ("\\134", "\\")):
        field = field.replace(code, char)
    return field


def filesystem_type(path: Path, mounts: str | None = None) -> str | None:
    """The type of the file system ``path`` (resolved) is on, from ``mounts`` (the text of
    ``/proc/self/mounts``; read when not given), or ``None`` where that is unknown (not
    Linux)."""
    if mounts is None:
        try:
            mounts = MOUNTS.read_text(encoding="utf-8", errors="replace")
        except OSError:
            return None
    best: tuple[int, str] | None = None
    for line in mounts.splitlines():
        fields = line.split()
        if len(fields) < 3:
            continue
        point = Path(_unescape(fields[1]))
        if path == point or path.is_relative_to(point):
            depth = len(point.parts)
            if best is None or depth >= best[0]:
                best = (depth, fields[2])
    return None if best is None else best[1]


def network_share(path: Path, mounts: str | None = None) -> str | None:
    """The file system type when ``path`` is on a network share, else ``None``."""
    kind = filesystem_type(path, mounts)
    return kind if kind is not None and kind.lower() in NETWORK_FILESYSTEMS else None
