#!/usr/bin/env bash
# Executes the KoSy notebooks headless, under both Go kernels, and checks
# that their outputs hold the expected figures:
#   kosy.ipynb       gophernotes (imports the project by path: ../../notebook)
#   kosy-gonb.ipynb  GoNB (a replace directive to this checkout)
# It installs what is missing, and skips what is there: Jupyter from
# Debian's packages; GoNB v0.11.4 with goimports and gopls; gophernotes
# v0.7.5, patched for Go 1.26 (the module proxy serves exact versions only,
# so both are built from a wrapper module). Any cell that fails, or a
# figure missing from the outputs, fails the script.
#
#   examples/notebook/run.sh                      # run and check (CI)
#   examples/notebook/run.sh --update             # … and keep the executed notebooks here
#   examples/notebook/run.sh --setup gonb         # only install Jupyter and GoNB
#   examples/notebook/run.sh --setup gophernotes  # only install Jupyter and gophernotes
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
update=false setup=""
case "${1:-}" in
--update) update=true ;;
--setup)
	setup="${2:-}"
	case "$setup" in gonb | gophernotes) ;; *) echo "run.sh --setup gonb|gophernotes" >&2; exit 2 ;; esac
	;;
"") ;;
*) echo "run.sh [--update | --setup gonb|gophernotes]" >&2; exit 2 ;;
esac
GOPATH_DIR="$(go env GOPATH)"
GOBIN_DIR="$GOPATH_DIR/bin"
mkdir -p "$GOBIN_DIR"
export PATH="$PATH:$GOBIN_DIR"
PROXY1="$(go env GOPROXY | cut -d, -f1)"
PY=/usr/bin/python3 # Debian's, which has nbformat (a pyenv python on PATH may not)

step() { echo "== notebooks: $*"; }

if ! command -v jupyter >/dev/null 2>&1 || ! "$PY" -c 'import nbformat, nbconvert, nbclient' 2>/dev/null; then
	step "installing Jupyter (Debian packages)"
	pkgs="jupyter-nbconvert python3-nbconvert python3-nbclient python3-nbformat jupyter-client jupyter-core python3-ipykernel"
	DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends $pkgs >/dev/null 2>&1 ||
		{ apt-get update -q >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends $pkgs >/dev/null; }
fi

kernel_dir() { jupyter kernelspec list 2>/dev/null | awk -v k="$1" '$1==k{print $2}'; }

if [ "$setup" != gophernotes ] && { [ ! -x "$GOBIN_DIR/gonb" ] || [ ! -x "$GOBIN_DIR/gopls" ] || [ ! -x "$GOBIN_DIR/goimports" ] || [ -z "$(kernel_dir gonb)" ]; }; then
	step "building GoNB v0.11.4, goimports and gopls"
	b="$(mktemp -d)"
	(
		cd "$b"
		printf 'module gonbbuild\n\ngo 1.26\n\nrequire github.com/janpfeifer/gonb v0.11.4\n' >go.mod
		printf '//go:build tools\npackage tools\n\nimport _ "github.com/janpfeifer/gonb"\n' >tools.go
		GOFLAGS=-mod=mod go mod tidy
		go build -o "$GOBIN_DIR/gonb" github.com/janpfeifer/gonb
	)
	rm -rf "$b"
	GOBIN="$GOBIN_DIR" go install golang.org/x/tools/cmd/goimports@v0.38.0
	GOBIN="$GOBIN_DIR" go install golang.org/x/tools/gopls@v0.21.0
	"$GOBIN_DIR/gonb" --install --raw_error=true >/dev/null 2>&1
	# The proxy answers 400/403 for a path it does not serve (the replaced
	# local module): "|off" makes that "not found", and the replace is used.
	PROXY1="$PROXY1" "$PY" - <<'PYEOF'
import json, os
p = os.path.expanduser("~/.local/share/jupyter/kernels/gonb/kernel.json")
k = json.load(open(p)); k.setdefault("env", {})["GOPROXY"] = os.environ["PROXY1"] + "|off"
json.dump(k, open(p, "w"), indent=1)
PYEOF
fi

if [ "$setup" != gonb ] && { [ ! -x "$GOBIN_DIR/gophernotes" ] || [ -z "$(kernel_dir gophernotes)" ]; }; then
	step "building gophernotes v0.7.5, patched for Go 1.26"
	(
		export GOSUMDB=off GOFLAGS=-mod=mod # the checksum database does not know gomacro's pseudo-version
		src="$(mktemp -d)"
		go mod download github.com/gopherdata/gophernotes@v0.7.5
		cp -r "$GOPATH_DIR/pkg/mod/github.com/gopherdata/gophernotes@v0.7.5/." "$src"
		chmod -R u+w "$src"
		cd "$src"
		# The newer gomacro's display.JSONer returns a map.
		sed -i 's/JSON_  func(interface{}) string/JSON_  func(interface{}) map[string]interface{}/; s/^func (P \*proxy_JSONer) JSON() string {/func (P *proxy_JSONer) JSON() map[string]interface{} {/' x_package.go
		grep -q 'func (P \*proxy_JSONer) JSON() map\[string\]interface{}' x_package.go
		cat >go.mod <<'MOD'
module github.com/gopherdata/gophernotes

go 1.26

godebug gotypesalias=0

require (
	github.com/cosmos72/gomacro v0.0.0-20240506194242-2ff796e3da10
	github.com/go-zeromq/zmq4 v0.14.1
	github.com/gofrs/uuid v4.2.0+incompatible
	golang.org/x/tools v0.38.0
)
MOD
		rm -f go.sum
		go mod tidy
		go build -o "$GOBIN_DIR/gophernotes" . # no -trimpath: plugins must match the kernel
		k=/usr/local/share/jupyter/kernels/gophernotes
		mkdir -p "$k"
		cp "$GOPATH_DIR/pkg/mod/github.com/gopherdata/gophernotes@v0.7.5/kernel/"logo-*.png "$k/"
		printf '{\n "argv": ["%s", "{connection_file}"],\n "display_name": "Go (gophernotes)",\n "language": "go",\n "name": "gophernotes",\n "env": {"GOPROXY": "%s|off"}\n}\n' "$GOBIN_DIR/gophernotes" "$PROXY1" >"$k/kernel.json"
		rm -rf "$src"
	)
fi

if [ -n "$setup" ]; then
	step "$setup is installed: open examples/notebook/$( [ "$setup" = gonb ] && echo kosy-gonb || echo kosy ).ipynb in Jupyter"
	exit 0
fi
out="$(mktemp -d)"
cd "$here"
# The notebooks are built without outputs beside the committed ones (the
# kernels resolve the project relative to the notebook's folder) and
# executed into a temporary folder.
trap 'rm -rf "$out" "$here"/.src-kosy*.ipynb' EXIT
"$PY" build.py .src-
for nb in kosy:gophernotes kosy-gonb:gonb; do
	name="${nb%%:*}" kernel="${nb##*:}"
	step "executing $name.ipynb under $kernel"
	start=$(date +%s)
	jupyter nbconvert --to notebook --execute --ExecutePreprocessor.kernel_name="$kernel" \
		--ExecutePreprocessor.timeout=600 ".src-$name.ipynb" --output "$out/$name.ipynb" >"$out/$name.log" 2>&1 ||
		{ tail -40 "$out/$name.log"; echo "notebooks: $name.ipynb FAILED under $kernel"; exit 1; }
	echo "   $(($(date +%s) - start)) s"
done
"$PY" check.py "$out/kosy.ipynb" "$out/kosy-gonb.ipynb"
if $update; then
	cp "$out/kosy.ipynb" "$out/kosy-gonb.ipynb" "$here/"
	step "kept the executed notebooks in $here"
fi
echo "NOTEBOOKS OK"
