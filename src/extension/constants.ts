// Every id the extension contributes, in one place (must match package.json `contributes`).

export const EXTENSION_ID = 'tucker-train.tucker-train';
export const CATEGORY = 'Tucker Train';

export const VIEW_CONTAINER = 'tuckerTrain';
export const VIEW_RUNS = 'tuckerTrain.runs';
export const VIEW_DASHBOARD = 'tuckerTrain.dashboard';
export const COMPARE_PANEL = 'tuckerTrain.compare';

export const Commands = {
  start: 'tuckerTrain.startTraining',
  stop: 'tuckerTrain.stopRun',
  open: 'tuckerTrain.openRun',
  compare: 'tuckerTrain.compareRuns',
  exportComparison: 'tuckerTrain.exportComparison',
  reveal: 'tuckerTrain.revealRun',
  refresh: 'tuckerTrain.refreshRuns',
  showMore: 'tuckerTrain.showMoreRuns',
  showLog: 'tuckerTrain.showLog',
  previewDecomposition: 'tuckerTrain.previewDecomposition',
  runStudy: 'tuckerTrain.runStudy',
  openStudyReport: 'tuckerTrain.openStudyReport',
  checkBackends: 'tuckerTrain.checkBackends',
} as const;

export const ConfigKeys = {
  section: 'tuckerTrain',
  runsDirectory: 'runsDirectory',
  backend: 'backend',
  model: 'defaults.model',
  dataset: 'defaults.dataset',
  epochs: 'defaults.epochs',
  decomposeAt: 'defaults.decomposeAt',
  reconstructAt: 'defaults.reconstructAt',
  rankPolicy: 'rankPolicy',
  quantize: 'quantize',
  lensEnabled: 'lens.enabled',
  lensRankPolicy: 'lens.rankPolicy',
  lensQuantize: 'lens.quantize',
  lensInputSize: 'lens.inputSize',
  lensMaxModelSizeMB: 'lens.maxModelSizeMB',
  checkpointMinutes: 'checkpointMinutes',
} as const;

/** The "Preview decomposition" editor panel (code lenses on model files). */
export const PREVIEW_PANEL = 'tuckerTrain.preview';

/** Context key set to true while a run this window can stop is live (menus, Stop button). */
export const CONTEXT_HAS_LIVE_RUN = 'tuckerTrain.hasLiveRun';

/** workspaceState key: runs this window started, so a reloaded window can find them again. */
export const STATE_OWNED_RUNS = 'tuckerTrain.ownedRuns';
