declare module "virtual:python-sources" {
  /** The Python package, path relative to python/ → source text. */
  const sources: Record<string, string>;
  export default sources;
}

declare module "virtual:python-runner-sources" {
  /** The test runner's Python modules (pytest plugin, session, protocol), path relative to python/ → source text. */
  const sources: Record<string, string>;
  export default sources;
}

declare module "virtual:python-mpy-sources" {
  /** The MicroPython face (python/mpy/), path relative to python/mpy/ → source text. */
  const sources: Record<string, string>;
  export default sources;
}
