#!/bin/sh
# examples/ci: the GitHub Actions workflow and the GitLab CI file parse as
# YAML (python3-yaml) with the shape each service reads, and their steps
# run, in order, on the cross example: on a tag they lock the release and
# export it (sha256sum -c passes in the folder); on a push they verify.
# What the services give is stood in for: the checkouts (the project,
# xpin's source as a link to this tree or a clone of its commit),
# GITHUB_PATH, the secret key variable, the tag or branch. NIX_CONFIG
# stays the test's (offline) rather than the files' own.
. "$(dirname "$0")/../lib.sh"

CI=$ROOT/examples/ci
command -v python3 >/dev/null && python3 -c 'import yaml' 2>/dev/null || {
	not_ok "python3 with yaml (python3-yaml, in make deps)"; test_done; exit; }

# Each file's steps for one event, as shell scripts step.1, step.2, ...
steps() { # service file event outdir
	python3 - "$@" <<'PY'
import os, re, sys, yaml
service, path, event, out = sys.argv[1:]
doc = yaml.safe_load(open(path))
scripts = []
if service == "github":
    assert set(doc) >= {"name", "jobs"} and (True in doc or "on" in doc), "no name/on/jobs"
    on = doc.get("on", doc.get(True))
    assert "push" in on and "tags" in on["push"], "not run on push and tags"
    for job in doc["jobs"].values():
        assert isinstance(job["steps"], list) and "runs-on" in job
        for st in job["steps"]:
            assert ("run" in st) != ("uses" in st), "a step runs or uses: %r" % st
            cond = st.get("if", "true")
            tag = "startsWith(github.ref, 'refs/tags/')" in cond
            neg = "!startsWith" in cond
            if tag and (event == "tag") == neg:
                continue
            if "run" in st:
                scripts.append(st["run"])
            elif st["uses"].startswith("actions/checkout") and st.get("with", {}).get("path"):
                scripts.append('ln -s "$XPIN_SOURCE" %s' % st["with"]["path"])
else:
    jobs = {k: v for k, v in doc.items() if isinstance(v, dict) and "script" in v}
    assert jobs and "default" in doc and "before_script" in doc["default"]
    for name, job in jobs.items():
        rule = job["rules"][0]["if"]
        if ("== null" in rule) == (event == "tag"):
            continue
        scripts += ["\n".join(doc["default"]["before_script"] + job["script"])]
for i, s in enumerate(scripts, 1):
    open(os.path.join(out, "step.%d" % i), "w").write(s + "\n")
print(len(scripts))
PY
}
run_steps() { # dir with step.N, log
	i=1 rc=0
	: >"$GITHUB_PATH"
	while [ -f "$1/step.$i" ]; do
		PATH=$(tr '\n' ':' <"$GITHUB_PATH")$PATH bash -e -o pipefail "$1/step.$i" >>"$2" 2>&1 || { rc=$?; break; }
		i=$((i + 1))
	done
	return $rc
}

proj=$(sh "$ROOT/examples/cross/setup.sh" "$TMP/ex" 2>"$TMP/setup.err") || {
	not_ok "setup.sh"; cat "$TMP/setup.err"; exit 1; }
cd "$proj" || exit 1
# A smaller release keeps the test short.
python3 - <<'PY'
import json
a = json.load(open("xpin.json"))
a["targets"] = {k: a["targets"][k] for k in ("x86_64-linux-musl", "tool")}
json.dump(a, open("xpin.json", "w"), indent=2)
PY
"$XPIN" keygen -W -p xpin.pub -s "$TMP/k.key" >/dev/null
printf '.xpin/\n.xpin-src\n.xpin-src/\nrelease/\n' >>.gitignore
git add -A && git commit -qm "release config"
export XPIN_SECRET_KEY="$(cat "$TMP/k.key")" GITHUB_PATH="$TMP/github_path"
export XPIN_SOURCE="$ROOT"

for f in github-xpin.yml gitlab-xpin.yml; do
	mkdir -p "$TMP/$f.tag" "$TMP/$f.push"
	n=$(steps "${f%%-*}" "$CI/$f" tag "$TMP/$f.tag" 2>"$TMP/yaml.err") &&
		ok "$f: parses, with the shape its service reads ($n steps on a tag)" ||
		{ not_ok "$f: $(cat "$TMP/yaml.err")"; continue; }
	steps "${f%%-*}" "$CI/$f" push "$TMP/$f.push" >/dev/null
done

# GitHub, on a tag: lock and export; then the push verifies what was
# committed.
rm -rf release .xpin .xpin-src xpin.lock xpin.lock.minisig
if run_steps "$TMP/github-xpin.yml.tag" "$TMP/gh.tag.log"; then
	ok "github, tag: every step runs"
else
	not_ok "github, tag: a step failed"; tail -5 "$TMP/gh.tag.log" | sed 's/^/#   /'
fi
[ -s release/SHA256SUMS ] && (cd release && sha256sum -c --quiet SHA256SUMS) &&
	ok "github, tag: sha256sum -c passes in the exported release" ||
	not_ok "github, tag: no release that sha256sum -c accepts"
git add xpin.lock xpin.lock.minisig 2>/dev/null && git commit -qm "release" 2>/dev/null
rm -rf release .xpin .xpin-src
if run_steps "$TMP/github-xpin.yml.push" "$TMP/gh.push.log"; then
	ok "github, push: every step runs (xpin verify)"
else
	not_ok "github, push: a step failed"; tail -5 "$TMP/gh.push.log" | sed 's/^/#   /'
fi
grep -q "target x86_64-linux-musl: ok" "$TMP/gh.push.log" && ok "github, push: verify checked the target" ||
	not_ok "github, push: no verify output"

# GitLab: its before_script clones xpin's source (this commit) and builds it.
rm -rf release .xpin .xpin-src
export XPIN_GIT="file://$ROOT"
if git -C "$ROOT" rev-parse HEAD >/dev/null 2>&1; then
	if run_steps "$TMP/gitlab-xpin.yml.push" "$TMP/gl.push.log"; then
		ok "gitlab, push: every line runs (xpin verify)"
	else
		not_ok "gitlab, push: a line failed"; tail -5 "$TMP/gl.push.log" | sed 's/^/#   /'
	fi
	rm -rf .xpin .xpin-src
	if run_steps "$TMP/gitlab-xpin.yml.tag" "$TMP/gl.tag.log" &&
	   (cd release && sha256sum -c --quiet SHA256SUMS); then
		ok "gitlab, tag: every line runs, and sha256sum -c passes in the release"
	else
		not_ok "gitlab, tag: a line failed"; tail -5 "$TMP/gl.tag.log" | sed 's/^/#   /'
	fi
else
	echo "# skipped: the gitlab run needs this tree to be a git repository to clone"
fi
test_done
