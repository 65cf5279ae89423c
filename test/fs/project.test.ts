import {createHash} from 'node:crypto'
import {chownSync, mkdirSync, writeFileSync} from 'node:fs'
import path from 'node:path'
import {describe, expect, it} from 'vitest'
import {findStateDir} from '../../src/infrastructure/fs/project.js'
import {findProjectRoot, playbookProject} from '../../src/services/playbook/project.js'
import {resolveStateDir} from '../../src/infrastructure/store/open-store.js'
import {playbookRecord, projectRoots} from '../../src/services/incident/playbook-file.js'
import {tempDir} from '../helpers/cli.js'

describe('finding the state directory and the project', () => {
  it('finds .candor/ in the folder or the nearest one above, as git finds .git; flags and the environment win', () => {
    const root = tempDir()
    const deep = path.join(root, 'a', 'b')
    mkdirSync(deep, {recursive: true})
    expect(findStateDir(deep)).toBeUndefined()
    expect(resolveStateDir(undefined, {}, deep)).toBe(path.join(deep, '.candor'))
    mkdirSync(path.join(root, '.candor'))
    expect(findStateDir(deep)).toBe(path.join(root, '.candor'))
    expect(resolveStateDir(undefined, {}, deep)).toBe(path.join(root, '.candor'))
    mkdirSync(path.join(root, 'a', '.candor'))
    expect(resolveStateDir(undefined, {}, deep)).toBe(path.join(root, 'a', '.candor'))
    expect(resolveStateDir('state', {CANDOR_STATE_DIR: '/elsewhere'}, deep)).toBe(path.join(deep, 'state'))
    expect(resolveStateDir(undefined, {CANDOR_STATE_DIR: '/elsewhere'}, deep)).toBe('/elsewhere')
    // A file named .candor is not a state directory.
    const other = tempDir()
    writeFileSync(path.join(other, '.candor'), '')
    expect(findStateDir(other)).toBeUndefined()
  })

  it.runIf(process.getuid?.() === 0)('passes over a .candor/ another user owns', () => {
    const root = tempDir()
    const mine = path.join(root, 'mine')
    mkdirSync(path.join(root, '.candor'))
    mkdirSync(mine)
    chownSync(path.join(root, '.candor'), 12345, 12345)
    expect(findStateDir(mine)).toBeUndefined()
  })

  it('takes the nearest folder holding .candor/ or .git as the project; a playbook without one belongs to the folder above playbooks/', () => {
    const root = tempDir()
    mkdirSync(path.join(root, 'repo', 'ops', 'playbooks'), {recursive: true})
    writeFileSync(path.join(root, 'repo', '.git'), 'gitdir: /somewhere/else\n') // a worktree's .git is a file
    expect(findProjectRoot(path.join(root, 'repo', 'ops', 'playbooks'))).toBe(path.join(root, 'repo'))
    mkdirSync(path.join(root, 'repo', 'ops', '.candor'))
    expect(findProjectRoot(path.join(root, 'repo', 'ops', 'playbooks'))).toBe(path.join(root, 'repo', 'ops'))

    const bare = path.join(tempDir(), 'proj')
    mkdirSync(path.join(bare, 'playbooks'), {recursive: true})
    expect(playbookProject(path.join(bare, 'playbooks', 'outage.yaml'))).toBe(bare)
    expect(playbookProject(path.join(bare, 'outage.yaml'))).toBe(bare)
  })

  it('records a playbook relative to the first project root holding it, else absolute, with its sha256', () => {
    const root = tempDir()
    mkdirSync(path.join(root, 'playbooks'))
    mkdirSync(path.join(root, '.candor'))
    const file = path.join(root, 'playbooks', 'outage.yaml')
    writeFileSync(file, 'name: outage\n')
    const roots = projectRoots({cwd: path.join(root, 'playbooks')})
    expect(roots[0]).toBe(root)
    expect(playbookRecord({name: 'outage', file}, roots)).toEqual({
      name: 'outage',
      file: 'playbooks/outage.yaml',
      sha256: createHash('sha256').update('name: outage\n').digest('hex'),
    })
    const outside = path.join(tempDir(), 'x.yaml')
    writeFileSync(outside, 'name: x\n')
    expect(playbookRecord({name: 'x', file: outside}, roots).file).toBe(outside)
  })
})
