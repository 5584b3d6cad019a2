import { runMain } from '@service-trust/server';

import { startAccessService } from './index';

runMain('jpd-access', () => startAccessService());
