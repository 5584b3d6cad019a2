import { runMain } from '@service-trust/server';

import { startMissionControl } from './index';

runMain('mission-control', () => startMissionControl());
