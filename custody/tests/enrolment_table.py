"""How the tests read the education table both the overview and the colonies page render
(custody/_enrolment_table.html), and the list each of its figures links to."""

import re

ROW = re.compile(r'<tr data-programme="(\w+)" data-measure="(\w+)">(.*?)</tr>', re.S)
SUM = re.compile(r'href="([^"]+)" data-sum="(\d+)"')
COUNT = re.compile(r'href="([^"]+)" data-count="(\d+)"')
VALUE = re.compile(r'data-value="(\d+)"')
LIST_COUNT = re.compile(r'class="result-count" data-count="(\d+)"')
