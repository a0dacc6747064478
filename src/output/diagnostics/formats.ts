/** REPORT_FORMATS are validate's -o values, in --help order (a tiny module: the command declares them statically). */
export const REPORT_FORMATS = ['text', 'json', 'junit', 'sarif', 'github'] as const;

/** ReportFormat is one of REPORT_FORMATS. */
export type ReportFormat = (typeof REPORT_FORMATS)[number];
