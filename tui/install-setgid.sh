#!/bin/sh
# meson install: make the installed casereview setgid to the service group.
# Usage: install-setgid.sh GROUP BINDIR/casereview (relative to the prefix).
set -eu
group=$1
bin=${MESON_INSTALL_DESTDIR_PREFIX:?run by meson install}/$2
if ! getent group "$group" >/dev/null; then
    echo "install-setgid.sh: no group '$group'; create it first (groupadd --system $group)" >&2
    exit 1
fi
# chgrp before chmod: changing the group clears the setgid bit.
chgrp "$group" "$bin"
chmod 2755 "$bin"
echo "installed $bin setgid to $group"
