/** Firmware entry point: the Espruino board's platform, then the appliance. */
import { start } from '../../src/app';
import { createPlatform } from './platform';

start(createPlatform());
