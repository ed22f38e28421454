"""批量导入 (issue 13): CSV and XLSX files of credit records from other systems, checked whole, written as a batch."""
