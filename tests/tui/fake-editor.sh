#!/bin/sh
# A stand-in for $EDITOR in the screen tests: records the file's mode and
# name, then writes a rationale into it.
stat -c %a "$1" >editor-mode.out
printf '%s\n' "$1" >editor-path.out
printf 'Information considered: all seven reports.\n\nReasons: written in the editor, line breaks kept.\n' >"$1"
