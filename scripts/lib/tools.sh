# shellcheck shell=bash
# scripts/lib/tools.sh — the external tools a script needs, recognised by what they print
# about themselves, installed when missing or not the real one (issue 10). Sourced, not run.
#
#   source scripts/lib/tools.sh
#   need ffmpeg  ffmpeg      '^ffmpeg version'        -version
#   need convert imagemagick '^Version: ImageMagick'  -version
#   need_file /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf fonts-dejavu-core
#   tools_ready scripts/make-sample-recordings
#
# `need TOOL PACKAGE PATTERN [ARG…]` runs `TOOL ARG…` and looks for PATTERN (grep -E) in what
# it prints on either stream: a program that merely has the name does not count. A machine
# may ship a `convert` that is not ImageMagick; `command -v convert` finds it and says nothing.
# TOOL may be an absolute path (/usr/bin/time).
#
# `tools_ready NAME` then, for each tool, takes the first program of that name on PATH (or
# under /usr/bin and /bin) that prints PATTERN. When one is missing, it installs the Debian
# packages of every such tool at once (apt-get update, then apt-get install, as root) or, not
# root, says which packages to install and fails; then it looks again and fails if one is
# still not found. When the real tool is shadowed by an impostor earlier on PATH (the real
# /usr/bin/convert behind a stand-in /usr/local/bin/convert), it links the real one into
# target/real-tools/ and puts that folder first on PATH, so that this script and everything
# it starts (tests, Python helpers) run the real one. Last, it prints each tool's path and
# version line. `tool_path[TOOL]` holds the absolute path of each.
#
# The caller runs from the repository root (target/ is there) with `set -euo pipefail`.

declare -a _tools_names=()
declare -A _tools_package=() _tools_pattern=() _tools_args=() _tools_file_package=()
declare -A tool_path=() tool_version=()
declare -a _tools_missing=()
# Where tools_ready links the real tools that impostors shadow.
_tools_links=$PWD/target/real-tools

# need TOOL PACKAGE PATTERN [ARG…]: TOOL must print PATTERN when run with ARG…; the Debian
# package PACKAGE provides it.
need() {
    local tool=$1 package=$2 pattern=$3
    shift 3
    _tools_names+=("$tool")
    _tools_package[$tool]=$package
    _tools_pattern[$tool]=$pattern
    # The arguments are kept as one line of shell words (printf %q) and read back in _tools_try.
    _tools_args[$tool]=
    if (($#)); then _tools_args[$tool]=$(printf '%q ' "$@"); fi
}

# need_file FILE PACKAGE: FILE must exist (a font, say); the Debian package PACKAGE provides it.
need_file() {
    _tools_file_package[$1]=$2
}

# _tools_try TOOL PROGRAM: prints the line of PROGRAM's version output that matches TOOL's
# pattern; fails when there is none (not installed, an impostor, or it hung for 30 s).
_tools_try() {
    local tool=$1 program=$2 output scratch
    local -a args
    eval "args=(${_tools_args[$tool]})"
    [[ -x $program && ! -d $program ]] || return 1
    # gpo writes a database and logs into GPODDER_HOME (default ~/gPodder) even for `help`:
    # let it write them in a scratch folder.
    scratch=$(mktemp -d)
    output=$(GPODDER_HOME=$scratch timeout 30 "$program" "${args[@]}" </dev/null 2>&1) || true
    rm -rf "$scratch"
    grep -E -m1 -e "${_tools_pattern[$tool]}" <<<"$output"
}

# _tools_resolve TOOL: sets tool_path[TOOL] and tool_version[TOOL] to the first real one.
_tools_resolve() {
    local tool=$1 candidate line
    local -a candidates
    if [[ $tool == */* ]]; then
        candidates=("$tool")
    else
        mapfile -t candidates < <(type -ap "$tool"; printf '%s\n' "/usr/bin/$tool" "/bin/$tool")
    fi
    for candidate in "${candidates[@]}"; do
        # A link left by an earlier run (or by the script that started this one) is skipped:
        # the folder is made again below from what is found now.
        [[ $(dirname "$candidate") -ef $_tools_links ]] && continue
        if line=$(_tools_try "$tool" "$candidate"); then
            # Keep the name the tool was called by (an alternatives link such as
            # /usr/bin/convert -> convert-im6.q16 may behave by it), resolved to a folder only.
            tool_path[$tool]=$(cd "$(dirname "$candidate")" && pwd -P)/$(basename "$candidate")
            tool_version[$tool]=${line#"${line%%[![:space:]]*}"}
            return 0
        fi
    done
    unset 'tool_path[$tool]' 'tool_version[$tool]'
    return 1
}

# _tools_find: resolves every tool; sets _tools_missing to the Debian packages still needed,
# sorted, once each. (It sets the globals, so it must not run in a subshell.)
_tools_find() {
    local tool file
    local -A packages=()
    for tool in "${_tools_names[@]}"; do
        _tools_resolve "$tool" || packages[${_tools_package[$tool]}]=1
    done
    for file in "${!_tools_file_package[@]}"; do
        [[ -e $file ]] || packages[${_tools_file_package[$file]}]=1
    done
    _tools_missing=()
    if ((${#packages[@]})); then
        mapfile -t _tools_missing < <(printf '%s\n' "${!packages[@]}" | sort)
    fi
}

# _tools_report: the tools that are still missing or impostors, one a line, for an error.
_tools_report() {
    local tool file first
    for tool in "${_tools_names[@]}"; do
        [[ -n ${tool_path[$tool]:-} ]] && continue
        if first=$(type -P "$tool"); then
            echo "  $tool: $first is not the real one (\`$tool ${_tools_args[$tool]% }\` does not print /${_tools_pattern[$tool]}/)"
        else
            echo "  $tool: not found (Debian package ${_tools_package[$tool]})"
        fi
    done
    for file in "${!_tools_file_package[@]}"; do
        [[ -e $file ]] || echo "  $file: not found (Debian package ${_tools_file_package[$file]})"
    done
}

# tools_ready NAME: finds or installs every tool `need` named, puts the real ones first on
# PATH, prints their versions. Exits with status 1 (messages prefixed with NAME) when it cannot.
tools_ready() {
    local name=$1 tool first
    _tools_find
    if ((${#_tools_missing[@]})); then
        if [[ $(id -u) -ne 0 ]] || ! command -v apt-get >/dev/null 2>&1; then
            echo "$name: these tools are missing or not the real ones:" >&2
            _tools_report >&2
            echo "$name: please install these Debian packages: ${_tools_missing[*]}" >&2
            exit 1
        fi
        printf '==> installing Debian packages: %s\n' "${_tools_missing[*]}" >&2
        if ! { DEBIAN_FRONTEND=noninteractive apt-get update -qq &&
            DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
                "${_tools_missing[@]}" >/dev/null; }; then
            echo "$name: apt-get could not install: ${_tools_missing[*]}" >&2
            exit 1
        fi
        _tools_find
        if ((${#_tools_missing[@]})); then
            echo "$name: still missing or not the real ones after apt-get install:" >&2
            _tools_report >&2
            exit 1
        fi
    fi

    # An impostor earlier on PATH hides the real tool: link the real one in front of it.
    rm -rf "$_tools_links"
    hash -r
    for tool in "${_tools_names[@]}"; do
        [[ $tool == */* ]] && continue
        first=$(type -P "$tool") || first=
        if [[ -z $first || $(cd "$(dirname "$first")" && pwd -P)/$tool != "${tool_path[$tool]}" ]]; then
            mkdir -p "$_tools_links"
            ln -s "${tool_path[$tool]}" "$_tools_links/$tool"
        fi
    done
    if [[ -d $_tools_links && :$PATH: != *:$_tools_links:* ]]; then
        export PATH="$_tools_links:$PATH"
    fi

    printf '==> tools\n' >&2
    for tool in "${_tools_names[@]}"; do
        printf '  %-10s %-24s %.90s\n' "${tool##*/}" "${tool_path[$tool]}" "${tool_version[$tool]}" >&2
    done
}
