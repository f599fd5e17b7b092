// Every id the extension contributes, in one place (must match package.json `contributes`).

export const EXTENSION_ID = 'tucker-train.tucker-train';
export const CATEGORY = 'Tucker Train';

export const VIEW_CONTAINER = 'tuckerTrain';
export const VIEW_RUNS = 'tuckerTrain.runs';
export const VIEW_DASHBOARD = 'tuckerTrain.dashboard';
export const COMPARE_PANEL = 'tuckerTrain.compare';
export const RUN_PANEL = 'tuckerTrain.run';

export const Commands = {
  start: 'tuckerTrain.startTraining',
  stop: 'tuckerTrain.stopRun',
  /** The run view, an editor tab (runPanel.ts); the dashboard follows the run too. */
  open: 'tuckerTrain.openRun',
  /** The sidebar dashboard only (a click on a run in the tree, the status bar). */
  show: 'tuckerTrain.showRun',
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
  // Run management (runCommands.ts)
  renameRun: 'tuckerTrain.renameRun',
  deleteRun: 'tuckerTrain.deleteRun',
  tagRun: 'tuckerTrain.tagRun',
  starRun: 'tuckerTrain.starRun',
  unstarRun: 'tuckerTrain.unstarRun',
  resumeRun: 'tuckerTrain.resumeRun',
  runAgain: 'tuckerTrain.runAgain',
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
  freeze: 'freeze',
  decide: 'decide',
  decomposePointwise: 'decomposePointwise',
  decomposeDense: 'decomposeDense',
  lensEnabled: 'lens.enabled',
  lensRankPolicy: 'lens.rankPolicy',
  lensQuantize: 'lens.quantize',
  lensInputSize: 'lens.inputSize',
  lensMaxModelSizeMB: 'lens.maxModelSizeMB',
  checkpointMinutes: 'checkpointMinutes',
  logEverySteps: 'logEverySteps',
} as const;

/** The "Preview decomposition" editor panel (code lenses on model files). */
export const PREVIEW_PANEL = 'tuckerTrain.preview';

/** Context key set to true while a run this window can stop is live (menus, Stop button). */
export const CONTEXT_HAS_LIVE_RUN = 'tuckerTrain.hasLiveRun';

/** workspaceState key: runs this window started, so a reloaded window can find them again. */
export const STATE_OWNED_RUNS = 'tuckerTrain.ownedRuns';
