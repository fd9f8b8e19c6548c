/**
 * Moved to test/support/reference-service.ts (the pipeline test starts the same service). This re-export
 * keeps live.test.ts's import working until that file imports from test/support itself.
 */
export {
  LOAD_CLI,
  missingReferenceService,
  REMOTE_AGENT,
  type ReferenceService,
  runLoad,
  SERVICE_MAIN,
  startReferenceService,
} from "../support/reference-service";
