// The package entry: `import { Cumulus } from 'cumulus'` gives the SDK and its error classes.
export {
  Cumulus, tokenUser,
  CumulusApiError, InvalidArgumentError, UnauthorizedError, ForbiddenError, NotFoundError, ConflictError,
  TooLargeError, RangeNotSatisfiableError, NotImplementedError, ServerError, NetworkError,
} from './sdk/index.js';
export type { CumulusOptions, Entry, Info, NodeInfo, Report, GetResult, Status, Body } from './sdk/index.js';
