// Storage named by the configuration that cannot be opened: the server says why and exits (no stack).
export class StorageOpenError extends Error {
  override readonly name = 'StorageOpenError';
}
