// @mss/conformance: the kit that tests health software against the API LPS from the server side —
// recording proxies, scenarios, requirements judged with evidence, HTML and JSON reports.

export { type ExpectationResult, judgeExpectations } from './expectations.ts';
export { judgeScenario, type Kit, type KitOptions, playSetup, type ScenarioReport, startKit } from './kit.ts';
export { Recording } from './recording.ts';
export { indexHtml, scenarioHtml, writeReport } from './report.ts';
export { judge, REQUIREMENTS, type Requirement, type RequirementResult, type Status } from './requirements.ts';
export { judgeOauthbearer, judgeXoauth2 } from './sasl.ts';
export {
  type Expectation,
  findScenario,
  loadScenarioFile,
  type Persona,
  SCENARIO_DIR,
  type Scenario,
  ScenarioError,
  type SetupAction,
  shippedScenarios,
  validateScenario,
} from './scenario.ts';
