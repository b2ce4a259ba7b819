/*
 * flakeurl: locked attributes printed as Nix prints them. The expected
 * strings are Nix's own output: Nix 2.8's `nix flake metadata` (Debian
 * 12; the paths renamed alike in input and output), and the Inputs:
 * trees newer Nix printed in public reports: NixOS/nix#10249 (github,
 * 2024), #9303 (file), aboutcode-org/scancode.io#2155 (gitlab with host,
 * a Nix with #12580).
 */
#include <stdlib.h>

#include "flakeurl.h"
#include "nix.h"
#include "unit.h"

static struct flakeurl_rules rules(const char *version)
{
	struct nix_version v;
	struct nix_rules n;
	struct xerr err = XERR_INIT;
	struct flakeurl_rules r = FLAKEURL_RULES_NEWEST;

	T_ASSERT(nix_version_parse(&v, version, &err) == 0);
	nix_rules_for(&n, &v);
	r.rfc3986 = n.url_rfc3986;
	r.forge_nar_hash = n.url_forge_nar_hash;
	r.forge_host = n.url_forge_host;
	r.git_submodules = n.url_git_submodules;
	return r;
}

static void check(const char *version, const char *locked, const char *want)
{
	struct flakeurl_rules r = rules(version);
	json_t *a = json_loads(locked, 0, NULL);
	char *got;

	T_ASSERT(a != NULL);
	got = flakeurl_locked(a, NULL, &r);
	T_STREQ(want, got);
	free(got);
	json_decref(a);
}

void test_flakeurl__nix28(void)
{
	check("2.8", "{\"type\":\"path\",\"path\":\"/src/x/pth\",\"lastModified\":1796283144,"
		     "\"narHash\":\"sha256-sE55IQuqIsaEfsYoFQCuARQbkqHbPs4XTL1UY4oednQ=\"}",
	      "path:/src/x/pth?lastModified=1796283144&narHash=sha256-sE55IQuqIsaEfsYoFQCuARQbkqHbPs4XTL1UY4oednQ=");
	check("2.8", "{\"type\":\"tarball\",\"url\":\"file:///src/x/tb.tar.gz\","
		     "\"narHash\":\"sha256-vOHhCPU/u9qzX2JVEfF/GmGhz+qX9UNgVc69aQCue08=\"}",
	      "file:///src/x/tb.tar.gz?narHash=sha256-vOHhCPU%2fu9qzX2JVEfF%2fGmGhz+qX9UNgVc69aQCue08=");
	/* 2.8 kept "dir" in the lock's url; it prints once */
	check("2.8", "{\"type\":\"git\",\"url\":\"file:///src/x/dep?dir=d\",\"dir\":\"d\","
		     "\"ref\":\"feat\",\"rev\":\"da9db1475bd1219e0b6cf0ed50228e9407d6e39e\"}",
	      "git+file:///src/x/dep?dir=d&ref=feat&rev=da9db1475bd1219e0b6cf0ed50228e9407d6e39e");
	check("2.8", "{\"type\":\"git\",\"url\":\"file:///src/x/dep\",\"ref\":\"main\",\"submodules\":true,"
		     "\"shallow\":true,\"rev\":\"bb4041208f4382b604efd12aff8707da6255cdc1\"}",
	      "git+file:///src/x/dep?ref=main&rev=bb4041208f4382b604efd12aff8707da6255cdc1&shallow=1");
	check("2.8", "{\"type\":\"gitlab\",\"host\":\"gitlab.freedesktop.org\",\"owner\":\"wlroots\","
		     "\"repo\":\"wlroots\",\"rev\":\"0123456789abcdef0123456789abcdef01234567\","
		     "\"narHash\":\"sha256-vOHhCPU/u9qzX2JVEfF/GmGhz+qX9UNgVc69aQCue08=\"}",
	      "gitlab:wlroots/wlroots/0123456789abcdef0123456789abcdef01234567");
	check("2.8", "{\"type\":\"hg\",\"url\":\"file:///src/x/hgr\",\"ref\":\"default\","
		     "\"rev\":\"95186d8d7eee69c313b7ed0e095841d70bed711d\"}",
	      "hg+file:///src/x/hgr?ref=default&rev=95186d8d7eee69c313b7ed0e095841d70bed711d");
}

void test_flakeurl__newer(void)
{
	check("2.21", "{\"type\":\"github\",\"owner\":\"hercules-ci\",\"repo\":\"flake-parts\","
		      "\"rev\":\"b253292d9c0a5ead9bc98c4e9a26c6312e27d69f\",\"lastModified\":1706833256,"
		      "\"narHash\":\"sha256-a0NYyp+h9hlb7ddVz4LUn1vT/PLwqfrWYcHMvFB1xYg=\"}",
	      "github:hercules-ci/flake-parts/b253292d9c0a5ead9bc98c4e9a26c6312e27d69f?narHash=sha256-a0NYyp%2Bh9hlb7ddVz4LUn1vT/PLwqfrWYcHMvFB1xYg%3D");
	check("2.28", "{\"type\":\"gitlab\",\"host\":\"gitlab.freedesktop.org\",\"owner\":\"wlroots\","
		      "\"repo\":\"wlroots\",\"rev\":\"7abda952d0000b72d240fe1d41457b9288f0b6e5\","
		      "\"narHash\":\"sha256-LmI/4Yp/pOOoI4RxLRx9I90NBsiqdRLVOfbATKlgpkg=\"}",
	      "gitlab:wlroots/wlroots/7abda952d0000b72d240fe1d41457b9288f0b6e5?host=gitlab.freedesktop.org&narHash=sha256-LmI/4Yp/pOOoI4RxLRx9I90NBsiqdRLVOfbATKlgpkg%3D");
	check("2.26", "{\"type\":\"file\",\"url\":\"https://raw.githubusercontent.com/NixOS/nix/master/README.md\","
		      "\"narHash\":\"sha256-KD/GlrKc53UFs+Yo8WxGL0jXV1laNFgqOcdAEWJJark=\"}",
	      "https://raw.githubusercontent.com/NixOS/nix/master/README.md?narHash=sha256-KD/GlrKc53UFs%2BYo8WxGL0jXV1laNFgqOcdAEWJJark%3D");
	check("2.26", "{\"type\":\"indirect\",\"id\":\"nixpkgs\",\"ref\":\"nixos-24.05\"}",
	      "flake:nixpkgs/nixos-24.05");
}
