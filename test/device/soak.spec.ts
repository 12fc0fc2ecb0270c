/*
 * The short soak every board runs in `npm test` (test/device/soak.ts); `npm run soak` runs the long one.
 */
import { defineSoak } from "./soak.ts";

defineSoak(20_000);
