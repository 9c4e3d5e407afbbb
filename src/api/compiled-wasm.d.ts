/** The types of a `.wasm` file imported as a module: workerd and bundlers for it hand over the compiled module. */
declare const module: WebAssembly.Module;
export default module;
