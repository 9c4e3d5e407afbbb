/** A `.wasm` file imported as a module: workerd (and bundlers for it) hand over the compiled module. */
declare module "@jitl/quickjs-wasmfile-release-sync/wasm" {
  const module: WebAssembly.Module;
  export default module;
}
