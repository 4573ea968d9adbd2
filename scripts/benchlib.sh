# Sourced by the bench scripts: what they need before measuring.

# need_tools COMMAND:PACKAGE...: installs (apt-get) the Debian package of each
# command that is missing.
need_tools() {
  local need_apt=() c
  for c in "$@"; do
    command -v "${c%%:*}" >/dev/null || need_apt+=("${c#*:}")
  done
  if ((${#need_apt[@]})); then
    local SUDO=""; [ "$(id -u)" = 0 ] || SUDO="sudo"
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${need_apt[@]}"
  fi
}

# work_dir DIR: sets WORK to DIR (created, kept) or, when DIR is empty, to a
# temporary directory removed on exit.
work_dir() {
  if [ -n "$1" ]; then
    WORK=$1; mkdir -p "$WORK"
  else
    WORK=$(mktemp -d); trap 'rm -rf "$WORK"' EXIT
  fi
}
