import {processTemplateCache} from '../../src/infrastructure/template-cache.js'
import {useTemplateCache} from '../../src/services/render/template-cache-port.js'

// What src/cli/main.ts does at start-up: tests that render in-process use the disk cache
// (the throw-away folder of cache-global-setup.ts) the way every command does.
useTemplateCache(processTemplateCache)
