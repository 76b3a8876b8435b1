/**
 * Every format vmkscope imports, in the order their detectors are asked: adding a format is one
 * entry. Detectors look at content only. More specific layouts come first: the PowerCLI CSVs
 * (quoted headers naming VMHost, NicType) before esxcli's CSV, structured output before text.
 */
import type { Importer } from './context.js';
import { esxcfgVmknic } from './esxcfg-vmknic.js';
import { esxcliCsv, esxcliKeyvalue, esxcliXml } from './esxcli-structured.js';
import { esxcliText, vmwareVersion } from './esxcli-text.js';
import { govcJson, govcText } from './govc.js';
import { powercliAdapters, powercliNetConfig } from './powercli.js';

export const IMPORTERS: readonly Importer[] = [
  powercliNetConfig,
  powercliAdapters,
  esxcliCsv,
  esxcliXml,
  esxcliKeyvalue,
  govcJson,
  govcText,
  esxcfgVmknic,
  vmwareVersion,
  esxcliText,
];
