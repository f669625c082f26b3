// The pure rules of the page's packages (src/cli/requirements.ts): requirements files as pip reads them, wheel file
// names, pip's errors, and the precedence between the sources.
import { describe, expect, it } from "vitest";
import {
  indexConflict, normalizeName, pipErrorLine, placeholderFile, placeholderOf, requirementNames, requirementsForPip,
  unmetDecision, unmetRequirement, versionsSeen, wheelNameVersion, type IndexEntry,
} from "../../src/cli/requirements.js";

describe("requirements files", () => {
  it("requirementNames: names only, normalised; comments, blank lines and options skipped", () => {
    expect(requirementNames("Starlette>=0.30  # web\n\n# note\n-r other.txt\n--index-url x\nzope.interface[extra]==6\nmy_pkg ; python_version>'3'\n"))
      .toEqual(["starlette", "zope-interface", "my-pkg"]);
  });

  it("requirementsForPip: -r/-c paths made absolute against the file's folder (pip reads a copy in the cache); every package kept", () => {
    const text = "-r base.txt\n--constraint=../c.txt\n-c /abs/pins.txt\n-r https://example.test/r.txt\npytest>=8\nStarlette\n";
    expect(requirementsForPip(text, "/proj/reqs")).toEqual({
      body: "-r /proj/reqs/base.txt\n--constraint=/proj/c.txt\n-c /abs/pins.txt\n-r https://example.test/r.txt\npytest>=8\nStarlette\n",
      includes: ["/proj/reqs/base.txt", "/proj/c.txt", "/abs/pins.txt", "https://example.test/r.txt"],
      findLinks: [],
    });
  });

  it("requirementsForPip: --index-url, --extra-index-url and --find-links reach pip; a relative --find-links that exists beside the file is made absolute", () => {
    const text = "--index-url https://pypi.example/simple\n--extra-index-url=https://more.example/simple\n--find-links ./wheels\n-f=gone\n--find-links=https://links.example/\n-f /abs/w\nlocalpkg\n";
    const exists = (path: string) => path === "/proj/wheels";
    expect(requirementsForPip(text, "/proj", exists)).toEqual({
      body: "--index-url https://pypi.example/simple\n--extra-index-url=https://more.example/simple\n--find-links /proj/wheels\n-f=gone\n--find-links=https://links.example/\n-f /abs/w\nlocalpkg\n",
      includes: [],
      findLinks: ["/proj/wheels", "/abs/w"],
    });
  });

  it("normalizeName is PEP 503's", () => {
    expect(normalizeName("Foo.Bar__baz-Qux")).toBe("foo-bar-baz-qux");
  });
});

describe("wheel file names", () => {
  it("wheelNameVersion reads the name (normalised) and version, with or without a build tag", () => {
    expect(wheelNameVersion("/w/typing_extensions-4.16.0-py3-none-any.whl")).toEqual({ name: "typing-extensions", version: "4.16.0" });
    expect(wheelNameVersion("pkg-1.0-1build-cp314-cp314-pyemscripten_2026_0_wasm32.whl")).toEqual({ name: "pkg", version: "1.0" });
    expect(wheelNameVersion("notawheel.zip")).toBeUndefined();
  });

  it("a placeholder's file name says its source and is told apart from a real wheel's", () => {
    const file = placeholderFile("zope.interface", "6.0", "pyodide");
    expect(file).toBe("zope_interface-6.0-0pyodide-py3-none-any.whl");
    expect(placeholderOf(`/x/${file}`)).toEqual({ source: "pyodide", name: "zope-interface" });
    expect(placeholderOf(placeholderFile("pytest", "9.1.1", "fixed"))).toEqual({ source: "fixed", name: "pytest" });
    expect(placeholderOf("pytest-9.1.1-py3-none-any.whl")).toBeUndefined();
    expect(wheelNameVersion(file)).toEqual({ name: "zope-interface", version: "6.0" });
  });
});

describe("pip's errors", () => {
  // As pip 23 prints them (captured on this machine).
  const noMatch = "WARNING: Location 'file:///x/' is ignored\nERROR: Could not find a version that satisfies the requirement coverage[toml]>=7.10.6 (from pytest-cov) (from versions: none)\nERROR: No matching distribution found for coverage[toml]>=7.10.6\n";
  const conflict = "ERROR: Cannot install pytest<9 because these package versions have conflicting dependencies.\n\nThe conflict is caused by:\n    The user requested pytest<9\n    The user requested (constraint) pytest==9.1.1\n\nTo fix this you could try to:\n1. loosen the range\n\nERROR: ResolutionImpossible: for help visit https://pip.pypa.io/\n";

  it("unmetRequirement and versionsSeen read the requirement pip could not meet and the versions it saw", () => {
    expect(unmetRequirement(noMatch)).toBe("coverage[toml]>=7.10.6");
    expect(versionsSeen(noMatch)).toEqual([]);
    expect(versionsSeen("ERROR: Could not find a version that satisfies the requirement x<1 (from versions: 1.0, 2.0)")).toEqual(["1.0", "2.0"]);
    expect(unmetRequirement(conflict)).toBeUndefined();
  });

  it("pipErrorLine: one line; a resolution conflict with its causes", () => {
    expect(pipErrorLine(noMatch)).toBe("No matching distribution found for coverage[toml]>=7.10.6");
    expect(pipErrorLine(conflict)).toBe("Cannot install pytest<9 because these package versions have conflicting dependencies. (The user requested pytest<9; The user requested (constraint) pytest==9.1.1)");
  });
});

describe("the precedence", () => {
  const entry = (name: string, version: string): IndexEntry => ({ name, version, file_name: `${name}-${version}-py3-none-any.whl`, depends: [] });
  const index = new Map([["coverage", entry("coverage", "7.16.2")], ["starlette", entry("starlette", "1.0.0")]]);
  const fixed = new Map([["pytest", { version: "9.1.1", source: "wsbridge's lock" }]]);

  it("a requirement pip has no pure-Python wheel of comes from the Pyodide index when it lists it", () => {
    expect(unmetDecision("coverage[toml]>=7.10.6", [], { fixed, index, fromIndex: new Set() })).toBe("index");
  });

  it("otherwise one line says why it cannot be had, naming it", () => {
    expect(unmetDecision("coverage", [], { fixed, index: undefined, fromIndex: new Set() }))
      .toBe("coverage cannot be had: pip found no pure-Python wheel of it (compiled packages come from --pyodide-index)");
    expect(unmetDecision("numpy>=2", ["1.0"], { fixed, index, fromIndex: new Set() }))
      .toBe("numpy>=2 cannot be had: pip found 1.0, none fits, and the Pyodide index does not list numpy");
    expect(unmetDecision("coverage<7", [], { fixed, index, fromIndex: new Set(["coverage"]) }))
      .toBe("coverage<7 cannot be had: pip found no pure-Python wheel of it, and the Pyodide index has coverage 7.16.2");
  });

  it("a fixed wheel is never replaced: a requirement that needs another version is an error naming the fixing source", () => {
    expect(unmetDecision("pytest<9", ["9.1.1"], { fixed, index, fromIndex: new Set() })).toBe("pytest<9 cannot be had: pytest is fixed at 9.1.1 by wsbridge's lock");
  });

  it("a package pip resolved that the index offers at another version: one line, pip's version kept", () => {
    expect(indexConflict("starlette", "1.7.0", index)).toBe("starlette 1.7.0 from pip, not the Pyodide index's 1.0.0 (pip's pure-Python wheels come before the index)");
    expect(indexConflict("starlette", "1.0.0", index)).toBeUndefined();
    expect(indexConflict("anyio", "4.15.1", index)).toBeUndefined();
    expect(indexConflict("starlette", "1.7.0", undefined)).toBeUndefined();
  });
});
