// The guess of a run's test files before pytest collects (src/cli/test-files.ts): it decides whether worker pages
// start with the controller.
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { countTestFiles, pathArguments } from "../../src/cli/test-files.js";
import { iniPythonFiles } from "../../src/cli/project.js";

const FILES = ["/p/test_a.py", "/p/b_test.py", "/p/helpers.py", "/p/conftest.py", "/p/sub/test_c.py", "/p/sub/data.txt", "/p/check_d.py", "/p/subway/test_e.py"];

describe("pathArguments", () => {
  it("keeps positional arguments, cut at `::` and made absolute; skips options and the values of those that take one", () => {
    expect(pathArguments(["-q", "-k", "sub", "sub/test_c.py::test_x", "-m", "slow", "--tb=short", "--junitxml", "out.xml", "/abs/test_z.py", "-rA", "--", "x"], "/p"))
      .toEqual(["/p/sub/test_c.py", "/abs/test_z.py", "/p/x"]);
  });
});

describe("countTestFiles", () => {
  it("counts pytest's default python_files under the cwd when no path is named", () => {
    expect(countTestFiles(FILES, ["-q"], "/p")).toBe(4);
  });

  it("counts under a named folder only (not a sibling that shares its prefix), and a named file whatever its name", () => {
    expect(countTestFiles(FILES, ["sub"], "/p")).toBe(1);
    expect(countTestFiles(FILES, ["check_d.py", "test_a.py::test_one", "test_a.py::test_two"], "/p")).toBe(2);
    expect(countTestFiles(FILES, ["sub/data.txt"], "/p")).toBe(0);
  });

  it("uses the ini's python_files patterns", () => {
    expect(countTestFiles(FILES, [], "/p", ["check_*.py"])).toBe(1);
  });
});

describe("iniPythonFiles", () => {
  it("reads python_files from pytest.ini lines and from pyproject's array", () => {
    const dir = mkdtempSync(join(tmpdir(), "wsbridge-pyfiles-"));
    writeFileSync(join(dir, "pytest.ini"), "[pytest]\npython_files = check_*.py\n    test_*.py\naddopts = -q\n");
    writeFileSync(join(dir, "pyproject.toml"), "[tool.pytest.ini_options]\npython_files = [\"check_*.py\", \"*_spec.py\"]\n");
    expect(iniPythonFiles(join(dir, "pytest.ini"))).toEqual(["check_*.py", "test_*.py"]);
    expect(iniPythonFiles(join(dir, "pyproject.toml"))).toEqual(["check_*.py", "*_spec.py"]);
    expect(iniPythonFiles(undefined)).toBeUndefined();
  });
});
