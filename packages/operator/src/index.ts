// @mss/operator: one MSSanté operator, wired (the composition root shared by `mss serve` and the sandbox).
export { startOperator, type OperatorService, type RunningOperator } from './operator.ts';
export { DEFAULT_SERVICE_KEYS, type DirectoryFeedSetup, type OperatorServiceKeys, type OperatorSetup } from './setup.ts';
export { DEFAULT_OPERATOR_PORTS, loadOperatorConfig, type OperatorFileConfig } from './config-file.ts';
export { OperatorMetrics, type ConnectionSource } from './metrics.ts';
export {
  advisoryLeadership,
  alwaysLeader,
  isLeaderMessage,
  primaryChosenLeadership,
  type LeaderMessage,
  type Leadership,
} from './leadership.ts';
export type { OperatorJobs } from './singletons.ts';
export {
  announceWorkerReady,
  clusterWorkerIdentity,
  runClusterPrimary,
  workerSqliteLinks,
  type ClusterPrimaryOptions,
  type WorkerIdentity,
  type WorkerReadyMessage,
} from './cluster.ts';
export { WriteTokenGranter, workerWriteGate, type WriteTokenMessage } from './write-token.ts';
export { IpcBusRelay, workerBusTransport, type IpcBusMessage } from './ipc-bus.ts';
