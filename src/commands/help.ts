import {Args, loadHelpClass} from '@oclif/core'
import {CandorCommand} from '../cli/base-command.js'
import {unknownCommand, visibleCommands, visibleTopics} from '../cli/not-found.js'

export default class HelpCommand extends CandorCommand {
  static override summary = 'Show help for candor, a topic or a command'
  static override enableJsonFlag = false
  static override strict = false
  static override args = {
    command: Args.string({description: 'command or topic, e.g. `publish` or `incident open`', required: false}),
  }
  static override examples = [
    '<%= config.bin %> <%= command.id %>',
    '<%= config.bin %> <%= command.id %> publish',
    '<%= config.bin %> <%= command.id %> incident open',
  ]

  async run(): Promise<void> {
    const {argv} = await this.parse(HelpCommand)
    const words = (argv as string[]).filter((w) => !w.startsWith('-'))
    if (words.length > 0 && !this.known(words)) {
      throw unknownCommand(words.join(':'), [], visibleCommands(this.config), visibleTopics(this.config))
    }
    const Help = await loadHelpClass(this.config)
    await new Help(this.config, this.config.pjson.oclif.helpOptions ?? {}).showHelp(words)
  }

  /** Whether the words name a command or a topic. */
  private known(words: string[]): boolean {
    const id = words.join(':')
    return Boolean(this.config.findCommand(id) || this.config.findTopic(id))
  }
}
