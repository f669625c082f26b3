declare module "virtual:python-sources" {
  /** The Python package, path relative to python/ → source text. */
  const sources: Record<string, string>;
  export default sources;
}
