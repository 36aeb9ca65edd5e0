// The WASI (preview 1) functions the example AssemblyScript commands use, declared once; each
// command imports them from "./wasi" (src/bench/wasm-build.ts compiles this file beside it).
@external("wasi_snapshot_preview1", "fd_read")
export declare function fd_read(fd: u32, iovs: usize, iovsLen: u32, nread: usize): u16;
@external("wasi_snapshot_preview1", "fd_write")
export declare function fd_write(fd: u32, iovs: usize, iovsLen: u32, nwritten: usize): u16;
@external("wasi_snapshot_preview1", "args_sizes_get")
export declare function args_sizes_get(argc: usize, argvBufSize: usize): u16;
@external("wasi_snapshot_preview1", "args_get")
export declare function args_get(argv: usize, argvBuf: usize): u16;
@external("wasi_snapshot_preview1", "path_open")
export declare function path_open(fd: u32, dirflags: u32, path: usize, pathLen: u32, oflags: u32, rightsBase: u64, rightsInheriting: u64, fdflags: u32, opened: usize): u16;
@external("wasi_snapshot_preview1", "fd_prestat_get")
export declare function fd_prestat_get(fd: u32, buf: usize): u16;
@external("wasi_snapshot_preview1", "sock_send")
export declare function sock_send(fd: u32, iovs: usize, iovsLen: u32, flags: u32, sent: usize): u16;
@external("wasi_snapshot_preview1", "proc_exit")
export declare function proc_exit(code: u32): void;

/** argv[1] (the command's mode), or "" when there is none. */
export function argv1(): string {
  const sizes = heap.alloc(8);
  args_sizes_get(sizes, sizes + 4);
  if (load<u32>(sizes) < 2) return "";
  const argv = heap.alloc(load<u32>(sizes) << 2);
  const buf = heap.alloc(load<u32>(sizes + 4));
  args_get(argv, buf);
  const p = load<u32>(argv + 4);
  let n: u32 = 0;
  while (load<u8>(p + n) != 0) n++;
  return String.UTF8.decodeUnsafe(p, n);
}
