// Where wsbridge's Python lives in Pyodide's file system: shared by the package's install and the runner's.

/** Folder in Pyodide's file system that holds the embedded Python package. */
export const PYTHON_HOME = "/lib/wsbridge-site";
