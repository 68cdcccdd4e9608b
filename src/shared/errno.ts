// Host error texts as glibc's strerror()/gai_strerror() print them. QEMU puts these in its messages
// ("Failed to connect to '…': Connection refused"); Node reports only codes such as ECONNREFUSED, and
// libuv's own texts are lower-case and worded differently, so management tools matching QEMU's
// messages need this table.

const STRERROR: Record<string, string> = {
  EPERM: 'Operation not permitted',
  ENOENT: 'No such file or directory',
  EINTR: 'Interrupted system call',
  EIO: 'Input/output error',
  ENXIO: 'No such device or address',
  EBADF: 'Bad file descriptor',
  EAGAIN: 'Resource temporarily unavailable',
  ENOMEM: 'Cannot allocate memory',
  EACCES: 'Permission denied',
  EBUSY: 'Device or resource busy',
  EEXIST: 'File exists',
  ENODEV: 'No such device',
  ENOTDIR: 'Not a directory',
  EISDIR: 'Is a directory',
  EINVAL: 'Invalid argument',
  ENFILE: 'Too many open files in system',
  EMFILE: 'Too many open files',
  ENOSPC: 'No space left on device',
  EFBIG: 'File too large',
  EROFS: 'Read-only file system',
  EPIPE: 'Broken pipe',
  ENAMETOOLONG: 'File name too long',
  ELOOP: 'Too many levels of symbolic links',
  ENOTSOCK: 'Socket operation on non-socket',
  EPROTOTYPE: 'Protocol wrong type for socket',
  EAFNOSUPPORT: 'Address family not supported by protocol',
  EADDRINUSE: 'Address already in use',
  EADDRNOTAVAIL: 'Cannot assign requested address',
  ENETDOWN: 'Network is down',
  ENETUNREACH: 'Network is unreachable',
  ECONNABORTED: 'Software caused connection abort',
  ECONNRESET: 'Connection reset by peer',
  ENOTCONN: 'Transport endpoint is not connected',
  ETIMEDOUT: 'Connection timed out',
  ECONNREFUSED: 'Connection refused',
  EHOSTUNREACH: 'No route to host',
};

// getaddrinfo() failures; Node names them after the EAI_* constant minus the prefix (ENOTFOUND is
// Node's spelling of EAI_NONAME).
const GAI_STRERROR: Record<string, string> = {
  ENOTFOUND: 'Name or service not known',
  EAI_NONAME: 'Name or service not known',
  EAI_AGAIN: 'Temporary failure in name resolution',
  EAGAIN: 'Temporary failure in name resolution',
  EAI_FAIL: 'Non-recoverable failure in name resolution',
  EAI_FAMILY: 'ai_family not supported',
  EAI_SERVICE: 'Servname not supported for ai_socktype',
  ENODATA: 'No address associated with hostname',
  EAI_NODATA: 'No address associated with hostname',
};

function codeOf(e: unknown): string | undefined {
  if (e && typeof e === 'object' && 'code' in e && typeof (e as { code: unknown }).code === 'string') {
    return (e as { code: string }).code;
  }
  return undefined;
}

/** The C library's text for an errno code, when this table has it. */
export function errnoText(code: string | undefined): string | undefined {
  return code !== undefined ? STRERROR[code] : undefined;
}

/** strerror() text for a Node system error (or an error code). */
export function strerror(e: unknown): string {
  const code = typeof e === 'string' ? e : codeOf(e);
  if (code !== undefined && STRERROR[code]) return STRERROR[code];
  if (e instanceof Error) return e.message;
  return String(code ?? e);
}

/** gai_strerror() text for a failed name lookup. */
export function gaiStrerror(e: unknown): string {
  const code = typeof e === 'string' ? e : codeOf(e);
  if (code !== undefined && GAI_STRERROR[code]) return GAI_STRERROR[code];
  return strerror(e);
}
