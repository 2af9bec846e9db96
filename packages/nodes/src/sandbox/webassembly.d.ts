// The WebAssembly globals the sandbox uses. Node has them; @types/node 20 does not declare them (TypeScript
// has them only in its DOM libraries), so the few used here are declared as the JS API specifies them.
declare namespace WebAssembly {
  /** A compiled module, instantiated once per job. */
  interface Module {
    readonly __brand: 'WebAssembly.Module';
  }

  interface MemoryDescriptor {
    /** In pages of 64 KiB. */
    initial: number;
    maximum?: number;
  }

  interface Memory {
    readonly buffer: ArrayBuffer;
    /** Grows by `delta` pages and returns the previous size; throws RangeError past the maximum. */
    grow(delta: number): number;
  }

  const Memory: {
    prototype: Memory;
    new (descriptor: MemoryDescriptor): Memory;
  };

  function compile(bytes: ArrayBufferView | ArrayBuffer): Promise<Module>;
}
