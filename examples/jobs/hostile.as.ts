// Hostile WASI commands for the sandbox's hostile-code suite (src/runtime/sandbox/test-util), one per
// mode (argv[1]): built from this AssemblyScript source by the tests, never committed as a binary.
@external("wasi_snapshot_preview1", "fd_read")
declare function fd_read(fd: u32, iovs: usize, iovsLen: u32, nread: usize): u16;
@external("wasi_snapshot_preview1", "fd_write")
declare function fd_write(fd: u32, iovs: usize, iovsLen: u32, nwritten: usize): u16;
@external("wasi_snapshot_preview1", "args_sizes_get")
declare function args_sizes_get(argc: usize, argvBufSize: usize): u16;
@external("wasi_snapshot_preview1", "args_get")
declare function args_get(argv: usize, argvBuf: usize): u16;
@external("wasi_snapshot_preview1", "path_open")
declare function path_open(fd: u32, dirflags: u32, path: usize, pathLen: u32, oflags: u32, rightsBase: u64, rightsInheriting: u64, fdflags: u32, opened: usize): u16;
@external("wasi_snapshot_preview1", "fd_prestat_get")
declare function fd_prestat_get(fd: u32, buf: usize): u16;
@external("wasi_snapshot_preview1", "sock_send")
declare function sock_send(fd: u32, iovs: usize, iovsLen: u32, flags: u32, sent: usize): u16;
@external("wasi_snapshot_preview1", "proc_exit")
declare function proc_exit(code: u32): void;

function abort(message: usize, fileName: usize, line: u32, column: u32): void {
  proc_exit(134);
}

function mode(): string {
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

function write(fd: u32, s: string): void {
  const b = String.UTF8.encode(s);
  const iov = heap.alloc(16);
  store<u32>(iov, changetype<usize>(b)); store<u32>(iov, b.byteLength, 4);
  fd_write(fd, iov, 1, iov + 8);
}

export function _start(): void {
  const m = mode();
  if (m == "loop") {
    let x: u32 = 0;
    while (true) x++;
  } else if (m == "grow") {
    // Take memory until the engine says no, then touch it all: the bound stops the task.
    while (memory.grow(16) >= 0) {}
    unreachable();
  } else if (m == "flood") {
    const b = heap.alloc(65536);
    memory.fill(b, 120, 65536);
    const iov = heap.alloc(16);
    while (true) { store<u32>(iov, b); store<u32>(iov, 65536, 4); fd_write(1, iov, 1, iov + 8); }
  } else if (m == "open") {
    // No preopened directory: there is no descriptor to open a path under, and no fd 3.
    const path = String.UTF8.encode("/etc/passwd");
    const opened = heap.alloc(4);
    const e1 = path_open(3, 0, changetype<usize>(path), path.byteLength, 0, 0xffffffff, 0xffffffff, 0, opened);
    const e2 = fd_prestat_get(3, heap.alloc(8));
    write(1, "path_open " + e1.toString() + " fd_prestat_get " + e2.toString() + "\n");
  } else if (m == "sock") {
    sock_send(3, 0, 0, 0, heap.alloc(4));
  } else if (m == "nostdin") {
    write(1, "ok\n");
  } else if (m == "trap") {
    unreachable();
  } else {
    write(2, "unknown mode\n");
    proc_exit(2);
  }
}
