// The slice of MicroPython's JS API (the `interpreter` PyScript hands to hooks for `<script type="mpy">`, made by
// `loadMicroPython`) that wsbridge uses; typed here so the browser bundle needs no MicroPython import.

/** Emscripten's device operations: `buffer` is the Wasm heap and `offset` the address of the Python buffer. */
export interface DeviceOps {
  open(stream: unknown): void;
  close(stream: unknown): void;
  read(stream: unknown, buffer: Int8Array, offset: number, length: number, position: number): number;
  write(stream: unknown, buffer: Int8Array, offset: number, length: number, position: number): number;
}

export interface MicroPythonLike {
  FS: {
    mkdirTree(path: string): void;
    writeFile(path: string, data: string | Uint8Array): void;
    makedev(major: number, minor: number): number;
    registerDevice(device: number, ops: DeviceOps): void;
    mkdev(path: string, device: number): void;
    analyzePath(path: string): { exists: boolean };
  };
  registerJsModule(name: string, module: object): void;
  runPython(code: string): unknown;
}
