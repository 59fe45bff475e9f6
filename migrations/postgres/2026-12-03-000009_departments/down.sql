DROP INDEX rooms_department_queue;
DROP TABLE department_agents;
DROP TABLE departments;
