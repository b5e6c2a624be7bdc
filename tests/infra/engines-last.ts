import { BaseSequencer, type TestSpecification } from 'vitest/node';

/**
 * The order of `npm run test:infra` files: vitest's own, except that the files which stop and
 * restart the engines run after every other file, so no other suite meets an engine that is away
 * (each of them also leaves every engine up and ready when it ends).
 */
const RESTARTS_ENGINES = ['tests/infra/restart.cache-bus.test.ts', 'tests/infra/faults.test.ts'];

export class EnginesRestartedLast extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const sorted = await super.sort(files);
    const restarts = (file: TestSpecification) => RESTARTS_ENGINES.some((path) => file.moduleId.endsWith(path));
    return [...sorted.filter((file) => !restarts(file)), ...sorted.filter(restarts)];
  }
}
