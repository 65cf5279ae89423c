import {CandorCommand} from '../cli/base-command.js'

export default class Version extends CandorCommand {
  static override summary = 'Show the version of candor, Node.js and the platform (same as --version and -v)'
  static override examples = ['<%= config.bin %> <%= command.id %>', '<%= config.bin %> <%= command.id %> --json']

  async run() {
    await this.parse(Version)
    this.log(this.config.userAgent)
    return {version: this.config.version, node: process.versions.node, platform: process.platform, arch: process.arch}
  }
}
